<?php
/**
 * TEST-ONLY stand-in for SiteMatrix's action=sitematrix.
 *
 * Imitates SiteMatrix includes/ApiSiteMatrix.php (commit 6c79fe9d381e; same
 * logic at 22df25aa5c20):
 * - parameters (prefix "sm"): type (special|language, default both), state
 *   (all|closed|private|fishbowl|nonglobal, default all), langprop
 *   (code|name|site|dir|localname, default all five), siteprop
 *   (url|dbname|code|lang|sitename, default url|dbname|code|sitename), limit
 *   (1-5000, default 5000), continue;
 * - output {"sitematrix": {"count": N, "0": {code, name, site: [{url,
 *   dbname, code (project suffix: wiki, wiktionary …), lang, sitename,
 *   closed}], dir, localname}, "1": …, "specials": [{url, dbname, code, lang,
 *   sitename, private, fishbowl, nonglobal, closed}]}}: language rows under
 *   numeric keys beside "count", "specials" a list; flags are true
 *   (formatversion=1: ""), absent when false; specials always carry all five
 *   site properties (the real module does not filter them by siteprop);
 * - continuation (when limit is hit) old-style:
 *   {"query-continue": {"sitematrix": {"smcontinue": "language|xx"}}}.
 *
 * The matrix is built from the farm file: a wiki whose "project" is a
 * language project (wiki, wiktionary …) is a language site of language
 * "code"; any other is a special (code = its "code", e.g. meta, mediawiki).
 * The data file's "sitematrix" section adds wikis without a local wiki
 * ("extra") and changes flags of farm wikis ("override"); see README.md.
 */

namespace MediaWiki\Extension\TechrolesStandIns;

use ApiBase;
use ApiMain;
use ApiResult;
use MediaWiki\Languages\LanguageFactory;
use MediaWiki\Languages\LanguageNameUtils;
use Throwable;
use Wikimedia\ParamValidator\ParamValidator;
use Wikimedia\ParamValidator\TypeDef\IntegerDef;

class ApiSiteMatrix extends ApiBase {
	/** $wgSiteMatrixSites order on Wikimedia wikis. */
	public const SITES = [
		'wiki', 'wiktionary', 'wikibooks', 'wikinews', 'wikiquote', 'wikisource', 'wikiversity', 'wikivoyage',
	];

	/** @var LanguageNameUtils */
	private $languageNameUtils;
	/** @var LanguageFactory */
	private $languageFactory;

	public function __construct(
		ApiMain $main, string $moduleName, LanguageNameUtils $languageNameUtils, LanguageFactory $languageFactory
	) {
		parent::__construct( $main, $moduleName, 'sm' );
		$this->languageNameUtils = $languageNameUtils;
		$this->languageFactory = $languageFactory;
	}

	/**
	 * The matrix: [languages => [langkey => [site => entry]], specials => [entry…], count].
	 * Entries: dbname, url, lang, sitename, code, project, closed, private, fishbowl, nonglobal.
	 */
	public static function matrix(): array {
		$data = Farm::data( 'sitematrix' );
		$entries = [];
		foreach ( Farm::wikis() as $dbname => $wiki ) {
			$entries[$dbname] = [
				'dbname' => $dbname,
				'url' => (string)( $wiki['url'] ?? '' ),
				'lang' => (string)( $wiki['lang'] ?? 'en' ),
				'sitename' => (string)( $wiki['sitename'] ?? $dbname ),
				'code' => (string)( $wiki['code'] ?? $dbname ),
				'project' => (string)( $wiki['project'] ?? '' ),
			];
		}
		foreach ( (array)( $data['extra'] ?? [] ) as $extra ) {
			$extra = (array)$extra;
			if ( !isset( $extra['dbname'] ) ) {
				continue;
			}
			$entries[(string)$extra['dbname']] = $extra + [
				'url' => '', 'lang' => 'en', 'sitename' => (string)$extra['dbname'],
				'code' => preg_replace( '/wiki$/', '', (string)$extra['dbname'] ), 'project' => '',
			];
		}
		foreach ( (array)( $data['override'] ?? [] ) as $dbname => $override ) {
			if ( isset( $entries[$dbname] ) ) {
				$entries[$dbname] = (array)$override + $entries[$dbname];
			}
		}
		$languages = [];
		$specials = [];
		foreach ( $entries as $dbname => $entry ) {
			if ( in_array( $entry['project'], self::SITES, true ) ) {
				$languages[str_replace( '-', '_', $entry['code'] )][$entry['project']] = $entry;
			} else {
				$specials[$dbname] = $entry;
			}
		}
		ksort( $languages, SORT_STRING );
		ksort( $specials, SORT_STRING );
		return [
			'languages' => $languages,
			'specials' => array_values( $specials ),
			'count' => (int)( $data['count'] ?? count( $entries ) ),
		];
	}

	public function execute() {
		$result = $this->getResult();
		$matrix = self::matrix();
		$langNames = $this->languageNameUtils->getLanguageNames();
		$matrix_out = [ 'count' => $matrix['count'] ];
		$localLanguageNames = $this->languageNameUtils->getLanguageNames( $this->getLanguage()->getCode() );

		$params = $this->extractRequestParams();
		$type = array_flip( $params['type'] );
		$state = array_flip( $params['state'] );
		$langProp = array_flip( $params['langprop'] );
		$siteProp = array_flip( $params['siteprop'] );
		$limit = $params['limit'];
		$continue = isset( $params['continue'] ) ? explode( '|', $params['continue'] ) : [ 'language', '' ];
		$this->dieContinueUsageIf( count( $continue ) != 2 );

		$all = isset( $state['all'] );
		$closed = isset( $state['closed'] );
		$private = isset( $state['private'] );
		$fishbowl = isset( $state['fishbowl'] );
		$nonglobal = isset( $state['nonglobal'] );

		$count = 0;
		if ( isset( $type['language'] ) && $continue[0] == 'language' ) {
			foreach ( $matrix['languages'] as $lang => $sites ) {
				$lang = (string)$lang;
				$langhost = str_replace( '_', '-', $lang );
				if ( $langhost < $continue[1] ) {
					continue;
				}
				if ( $count >= $limit ) {
					$this->setContinueEnumParameter( 'continue', "language|$langhost" );
					break;
				}
				$language = [
					'code' => $langhost,
					'name' => $langNames[$lang] ?? null,
					'site' => [],
					'dir' => $this->dirOf( $langhost ),
				];
				if ( isset( $localLanguageNames[$lang] ) ) {
					$language['localname'] = $localLanguageNames[$lang];
				}
				$language = array_intersect_key( $language, $langProp );

				if ( isset( $language['site'] ) ) {
					foreach ( self::SITES as $site ) {
						if ( !isset( $sites[$site] ) ) {
							continue;
						}
						$entry = $sites[$site];
						$skip = true;
						$site_out = [
							'url' => $entry['url'],
							'dbname' => $entry['dbname'],
							'code' => $site,
							'lang' => $entry['lang'],
							'sitename' => $entry['sitename'],
						];
						$site_out = array_intersect_key( $site_out, $siteProp );
						if ( !empty( $entry['closed'] ) ) {
							$site_out['closed'] = true;
							if ( $closed ) {
								$skip = false;
							}
						}
						if ( !$skip || $all ) {
							$language['site'][] = $site_out;
						}
					}
					$result->setIndexedTagName( $language['site'], 'site' );
				}

				$count++;
				$matrix_out[] = $language;
			}
		}

		$result->setIndexedTagName( $matrix_out, 'language' );
		$result->addValue( null, 'sitematrix', $matrix_out );

		if ( isset( $type['special'] ) && $count < $limit ) {
			$specials = [];
			foreach ( $matrix['specials'] as $entry ) {
				$dbName = $entry['dbname'];
				if ( $continue[0] == 'special' && $dbName < $continue[1] ) {
					continue;
				}
				if ( $count >= $limit ) {
					$this->setContinueEnumParameter( 'continue', "special|$dbName" );
					break;
				}
				$wiki = [
					'url' => $entry['url'],
					'dbname' => $dbName,
					'code' => $entry['code'],
					'lang' => $entry['lang'],
					'sitename' => $entry['sitename'],
				];
				$skip = true;
				foreach ( [ 'private' => $private, 'fishbowl' => $fishbowl, 'nonglobal' => $nonglobal,
					'closed' => $closed ] as $flag => $wanted
				) {
					if ( !empty( $entry[$flag] ) ) {
						$wiki[$flag] = true;
						if ( $wanted ) {
							$skip = false;
						}
					}
				}
				if ( !$skip || $all ) {
					$specials[] = $wiki;
				}
			}
			$result->setIndexedTagName( $specials, 'special' );
			$result->addValue( 'sitematrix', 'specials', $specials );
		}
	}

	private function dirOf( string $code ): string {
		try {
			return $this->languageFactory->getLanguage( $code )->getDir();
		} catch ( Throwable $e ) {
			return 'ltr';
		}
	}

	/** SiteMatrix's own old-style continuation ("query-continue"). */
	protected function setContinueEnumParameter( $paramName, $paramValue ) {
		$paramName = $this->encodeParamName( $paramName );
		$result = $this->getResult();
		$result->addValue( 'query-continue', $this->getModuleName(), [ $paramName => $paramValue ],
			ApiResult::NO_SIZE_CHECK );
	}

	public function getAllowedParams() {
		return [
			'type' => [
				ParamValidator::PARAM_ISMULTI => true,
				ParamValidator::PARAM_TYPE => [ 'special', 'language' ],
				ParamValidator::PARAM_DEFAULT => 'special|language',
				ApiBase::PARAM_HELP_MSG_PER_VALUE => [],
			],
			'state' => [
				ParamValidator::PARAM_ISMULTI => true,
				ParamValidator::PARAM_TYPE => [ 'all', 'closed', 'private', 'fishbowl', 'nonglobal' ],
				ParamValidator::PARAM_DEFAULT => 'all',
			],
			'langprop' => [
				ParamValidator::PARAM_ISMULTI => true,
				ParamValidator::PARAM_TYPE => [ 'code', 'name', 'site', 'dir', 'localname' ],
				ParamValidator::PARAM_DEFAULT => 'code|name|site|dir|localname',
			],
			'siteprop' => [
				ParamValidator::PARAM_ISMULTI => true,
				ParamValidator::PARAM_TYPE => [ 'url', 'dbname', 'code', 'lang', 'sitename' ],
				ParamValidator::PARAM_DEFAULT => 'url|dbname|code|sitename',
			],
			'limit' => [
				ParamValidator::PARAM_DEFAULT => 5000,
				ParamValidator::PARAM_TYPE => 'limit',
				IntegerDef::PARAM_MIN => 1,
				IntegerDef::PARAM_MAX => 5000,
				IntegerDef::PARAM_MAX2 => 5000,
			],
			'continue' => [
				ApiBase::PARAM_HELP_MSG => 'api-help-param-continue',
			],
		];
	}

	protected function getExamplesMessages() {
		return [ 'action=sitematrix' => 'apihelp-sitematrix-example-1' ];
	}
}
