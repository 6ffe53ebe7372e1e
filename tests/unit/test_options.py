"""Job command lines read before Pywikibot sees them (techroles.options)."""
from __future__ import annotations

import pytest

from techroles.options import COMMANDS, EXIT_OK, EXIT_USAGE, Options, parse_job_args


pytestmark = pytest.mark.unit


def parse(*args: str, command: str = 'update') -> Options:
    opts = parse_job_args(f'techroles {command}', list(args))
    assert isinstance(opts, Options), opts
    return opts


def refused(capsys, *args: str, command: str = 'update') -> str:
    assert parse_job_args(f'techroles {command}', list(args)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith(f'ERROR techroles {command}: ')
    return err


@pytest.mark.parametrize('limit', [['--limit', '5'], ['--limit=5'], ['-limit:5']])
def test_limit_in_either_style(limit):
    assert parse('--config', 'c.json', '-always', *limit).limit == 5


def test_options_and_pywikibot_globals_anywhere():
    opts = parse('-simulate', '--config=c.json', '-user:Other', '--report', 'r.json', '-log')
    assert (opts.config, opts.report, opts.simulate) == ('c.json', 'r.json', True)
    assert opts.pywikibot_args == ['-simulate', '-user:Other', '-log']


def test_pywikibot_config_option_swallowing_our_path_is_detected(capsys):
    err = refused(capsys, '-config:techroles.json', '-always')
    assert "Pywikibot's option" in err and '--config techroles.json' in err


def test_pywikibot_config_option_naming_a_user_config_is_passed_on():
    opts = parse('-config:my-user-config.py', '--config', 'c.json', '-always')
    assert opts.pywikibot_args == ['-config:my-user-config.py']


@pytest.mark.parametrize('option', ['-family:wikipedia', '-code:fr', '-lang:fr',
                                    '-site:wikipedia:fr'])
def test_site_options_are_refused_with_a_reason(capsys, option):
    err = refused(capsys, option, '--config', 'c.json', '-always')
    assert 'the configuration' in err


@pytest.mark.parametrize(('args', 'why'), [
    (['-always'], '--config FILE is required'),
    (['--config', 'c.json', '-always', '--limit', '-1'], '--limit must be a whole number'),
    (['--config', 'c.json', '-always', '--frobnicate'], 'unknown option --frobnicate'),
    (['--config', 'c.json', '-always', 'stray'], "unexpected argument 'stray'"),
    (['--config'], '--config needs a value'),
])
def test_usage_errors_are_one_line(capsys, args, why):
    assert why in refused(capsys, *args)


def test_an_option_of_another_command_is_refused(capsys):
    assert '--limit is not an option of techroles kpi' in refused(
        capsys, '--config', 'c.json', '-always', '--limit', '3', command='kpi')
    assert '--kpi-report is not an option' in refused(
        capsys, '--config', 'c.json', '--kpi-report', 'k', command='explain')


def test_without_a_terminal_saving_needs_always_or_simulate(capsys, monkeypatch):
    monkeypatch.setattr('sys.stdin.isatty', lambda: False)
    assert 'add -always' in refused(capsys, '--config', 'c.json')
    assert parse('--config', 'c.json', '-simulate').simulate
    assert parse('--config', 'c.json', '--print', command='explain').print_only


@pytest.mark.parametrize('name', [n for n, c in COMMANDS.items() if c.wiki])
def test_every_advertised_option_is_accepted(name):
    command = COMMANDS[name]
    for option in command.options:
        args = ['--config', 'c.json', '-always']
        if option not in ('--config', '-always'):
            args += [option, '1'] if command_takes_value(option) else [option]
        parse(*args, command=name)


def command_takes_value(option: str) -> bool:
    from techroles.options import OPTIONS

    return bool(OPTIONS[option].metavar)


def test_help_wins_anywhere(capsys):
    assert parse_job_args('techroles update', ['--config', 'x', '-family:x', '-help']) == EXIT_OK
    assert 'techroles update --config FILE' in capsys.readouterr().out
