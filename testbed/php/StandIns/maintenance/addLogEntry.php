<?php
/**
 * TEST-ONLY. Write a (backdated) log entry, as the real extensions do, so
 * fixtures can record MassMessage sends, global renames and locks, and core
 * actions (blocks, patrols …) of a given performer at a given time.
 *
 *   MW_CONFIG_FILE=…/LocalSettings.php php addLogEntry.php \
 *     --type massmessage --action send --performer "Johan (WMF)" \
 *     --title "Global message delivery/Targets/Tech ambassadors" \
 *     --timestamp 20261102200000 [--comment "Tech News: 2026-45"] [--params JSON]
 *
 *   --batch FILE   a JSON list of entries {"type", "action", "performer",
 *                  "title", "timestamp", "comment", "params", "olduser",
 *                  "newuser", "user", "added", "removed", "create_performer",
 *                  "no_rc"} (one process for many entries)
 *
 * Defaults per type (what the real code logs; --params entries are merged
 * over them):
 * - massmessage/send (MassMessage::logToWiki): target = the delivery list;
 *   params {"4::revid": latest revision id of the list (0 if none),
 *   "5::pageMessage": ""}.
 * - gblrename/rename (CentralAuth GlobalRenameUserLogger::log): --olduser,
 *   --newuser; target Special:CentralAuth/<newuser>; params
 *   {"4::olduser", "5::newuser", "movepages": true, "suppressredirects": false}.
 * - globalauth/setstatus (CentralAuth lock/hide log): --user; target
 *   User:<user>@global; params {"added": [..], "removed": [..]} from --added /
 *   --removed (comma-separated, e.g. --added locked). As CentralAuth does, a
 *   change that leaves the account hidden (--added hidden|oversighted, or an
 *   account the data file marks hidden and the change does not unhide) is
 *   written to the "suppress" log instead, which only suppressors can read.
 * - block/block, block/reblock: params {"5::duration": "infinity", "6::flags": ""}.
 * - patrol/patrol: params {"4::curid": latest revision id of the page,
 *   "5::previd": 0, "6::auto": 0}.
 * The entry is also published to recentchanges (with the same timestamp)
 * unless --no-rc. Prints one JSON line per entry: {"logid", "type", "action",
 * "timestamp", "title"}.
 */

use MediaWiki\MediaWikiServices;

require_once ( getenv( 'MW_INSTALL_PATH' ) ?: '/usr/share/mediawiki' ) . '/maintenance/Maintenance.php';

class TechrolesAddLogEntry extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addDescription( 'Test bed only: write a backdated log entry (massmessage/send, ' .
			'gblrename/rename, globalauth/setstatus, block/block, patrol/patrol …)' );
		$this->addOption( 'type', 'Log type (massmessage, gblrename, globalauth, block, patrol …)', false, true );
		$this->addOption( 'action', 'Log action (send, rename, setstatus, block, patrol …)', false, true );
		$this->addOption( 'performer', 'User name of the performer', false, true );
		$this->addOption( 'title', 'Target page (default depends on the type)', false, true );
		$this->addOption( 'timestamp', 'When (14 digits or ISO 8601; default now)', false, true );
		$this->addOption( 'comment', 'Log comment (summary)', false, true );
		$this->addOption( 'params', 'JSON object of log parameters, merged over the defaults', false, true );
		$this->addOption( 'olduser', 'gblrename/rename: the old name', false, true );
		$this->addOption( 'newuser', 'gblrename/rename: the new name', false, true );
		$this->addOption( 'user', 'globalauth/setstatus: the global account', false, true );
		$this->addOption( 'added', 'globalauth/setstatus: statuses added (comma-separated)', false, true );
		$this->addOption( 'removed', 'globalauth/setstatus: statuses removed (comma-separated)', false, true );
		$this->addOption( 'create-performer', 'Create the performer account when it does not exist' );
		$this->addOption( 'no-rc', 'Do not publish the entry to recentchanges' );
		$this->addOption( 'batch', 'JSON file: a list of entries (keys as the options)', false, true );
	}

	public function execute() {
		if ( $this->hasOption( 'batch' ) ) {
			$entries = json_decode( (string)file_get_contents( $this->getOption( 'batch' ) ), true );
			if ( !is_array( $entries ) ) {
				$this->fatalError( 'addLogEntry: --batch is not a JSON list' );
			}
		} else {
			$entry = [];
			foreach ( [ 'type', 'action', 'performer', 'title', 'timestamp', 'comment', 'olduser',
				'newuser', 'user', 'added', 'removed' ] as $key
			) {
				if ( $this->hasOption( $key ) ) {
					$entry[$key] = $this->getOption( $key );
				}
			}
			if ( $this->hasOption( 'params' ) ) {
				$entry['params'] = json_decode( $this->getOption( 'params' ), true );
				if ( !is_array( $entry['params'] ) ) {
					$this->fatalError( 'addLogEntry: --params is not a JSON object' );
				}
			}
			$entries = [ $entry ];
		}
		foreach ( $entries as $entry ) {
			$this->addEntry( (array)$entry );
		}
	}

	private function listOption( $value ): array {
		if ( is_array( $value ) ) {
			return array_values( $value );
		}
		return array_values( array_filter( array_map( 'trim', explode( ',', (string)$value ) ), 'strlen' ) );
	}

	private function addEntry( array $e ): void {
		foreach ( [ 'type', 'action', 'performer' ] as $required ) {
			if ( !isset( $e[$required] ) || $e[$required] === '' ) {
				$this->fatalError( "addLogEntry: --$required is required" );
			}
		}
		$services = MediaWikiServices::getInstance();
		$type = (string)$e['type'];
		$action = (string)$e['action'];
		$full = "$type/$action";
		$validTypes = $services->getMainConfig()->get( 'LogTypes' );
		if ( !in_array( $type, $validTypes, true ) ) {
			$this->fatalError( "addLogEntry: unknown log type '$type' on this wiki" );
		}

		$performer = User::newFromName( (string)$e['performer'] );
		if ( !$performer ) {
			$this->fatalError( "addLogEntry: invalid performer name '{$e['performer']}'" );
		}
		if ( !$performer->isRegistered() ) {
			if ( !$this->hasOption( 'create-performer' ) && empty( $e['create_performer'] ) ) {
				$this->fatalError( "addLogEntry: no such user '{$e['performer']}' (use --create-performer)" );
			}
			$performer->addToDatabase();
		}

		$params = [];
		$titleText = $e['title'] ?? null;
		switch ( $full ) {
			case 'massmessage/send':
				$title = Title::newFromText( (string)$titleText );
				$params = [
					'4::revid' => $title ? $title->getLatestRevID() : 0,
					'5::pageMessage' => '',
				];
				break;
			case 'gblrename/rename':
			case 'gblrename/promote':
				if ( !isset( $e['olduser'], $e['newuser'] ) ) {
					$this->fatalError( "addLogEntry: $full needs --olduser and --newuser" );
				}
				$titleText ??= 'Special:CentralAuth/' . $e['newuser'];
				$params = [
					'4::olduser' => (string)$e['olduser'],
					'5::newuser' => (string)$e['newuser'],
				];
				if ( $action === 'rename' ) {
					$params += [ 'movepages' => true, 'suppressredirects' => false ];
				}
				break;
			case 'globalauth/setstatus':
				if ( !isset( $e['user'] ) && $titleText === null ) {
					$this->fatalError( "addLogEntry: $full needs --user (or --title User:X@global)" );
				}
				$titleText ??= 'User:' . $e['user'] . '@global';
				$params = [
					'added' => $this->listOption( $e['added'] ?? [] ),
					'removed' => $this->listOption( $e['removed'] ?? [] ),
				];
				// CentralAuthUser::adminLockHide (includes/User/CentralAuthUser.php
				// line 2265) logs through logAction with $suppressLog = "the account
				// is hidden after the change", and logAction (line 3531) then writes
				// to the "suppress" log, which only suppressors can read.
				$hiding = [ 'hidden', 'oversighted' ];
				$name = isset( $e['user'] ) ? (string)$e['user']
					: preg_replace( '/^[^:]*:|@global$/', '', (string)$titleText );
				$hiddenBefore = ( new \MediaWiki\Extension\TechrolesStandIns\GlobalAccounts(
					ucfirst( str_replace( '_', ' ', $name ) ) ) )->isHidden();
				if ( array_intersect( $params['added'], $hiding )
					|| ( $hiddenBefore && !array_intersect( $params['removed'], $hiding ) )
				) {
					$type = 'suppress';
				}
				break;
			case 'block/block':
			case 'block/reblock':
				$params = [ '5::duration' => 'infinity', '6::flags' => '' ];
				break;
			case 'patrol/patrol':
				$title = Title::newFromText( (string)$titleText );
				$params = [
					'4::curid' => $title ? $title->getLatestRevID() : 0,
					'5::previd' => 0,
					'6::auto' => 0,
				];
				break;
		}
		$params = array_merge( $params, (array)( $e['params'] ?? [] ) );

		$title = $titleText === null ? null : Title::newFromText( (string)$titleText );
		if ( !$title ) {
			$this->fatalError( "addLogEntry: $full needs a valid --title" );
		}
		$timestamp = wfTimestamp( TS_MW, $e['timestamp'] ?? null );
		if ( $timestamp === false ) {
			$this->fatalError( "addLogEntry: bad --timestamp '{$e['timestamp']}'" );
		}

		$entry = new ManualLogEntry( $type, $action );
		$entry->setPerformer( $performer );
		$entry->setTarget( $title );
		$entry->setTimestamp( $timestamp );
		$entry->setComment( (string)( $e['comment'] ?? '' ) );
		$entry->setParameters( $params );
		if ( $full === 'gblrename/rename' || $full === 'gblrename/promote' ) {
			$entry->setRelations( [ 'oldname' => $params['4::olduser'] ] );
		}
		$logid = $entry->insert();
		if ( !$this->hasOption( 'no-rc' ) && empty( $e['no_rc'] ) ) {
			$entry->publish( $logid, 'rc' );
		}
		$this->output( json_encode( [
			'logid' => $logid,
			'type' => $type,
			'action' => $action,
			'timestamp' => wfTimestamp( TS_ISO_8601, $timestamp ),
			'title' => $title->getPrefixedText(),
		], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES ) . "\n" );
	}
}

$maintClass = TechrolesAddLogEntry::class;
require_once RUN_MAINTENANCE_IF_MAIN;
