<?php
/**
 * TEST-ONLY stand-in for Translate's meta=messagegroupstats.
 *
 * Imitates Translate src/Statistics/QueryMessageGroupStatsActionApi.php and
 * its base QueryStatsActionApi.php (commit 196526a8ce7c / 26f9a95ad9b0):
 * - parameters (prefix "mgs"): group (required), offset (default "0",
 *   continuation), suppresscomplete, suppressempty (also drops rows under
 *   2 % translated);
 * - rows {total, translated, fuzzy, proofread, code, language} ("code" kept
 *   by Translate for BC), one per language of
 *   MessageGroupStats::getLanguages() (every language MediaWiki defines a
 *   name for, minus deprecated codes, sorted), in that order;
 * - an unknown group dies with apierror-badparameter (code "badparameter",
 *   "Invalid value for parameter "mgsgroup".");
 * - stats are read from cache only: the first language whose stats are not
 *   cached stops the output with continue {mgsoffset: <lang>, continue: "-||"}
 *   (ApiContinuationManager) while a rebuild is queued.
 *
 * Here the stats of group "page-<Title>" are computed from the wiki's own
 * pages (see MessageGroupStats::getStatsForCollection, src/Statistics/
 * MessageGroupStats.php lines 665-690, for the counting):
 * total = the units of the page *as last marked for translation*: Translate
 * writes them to translate_sections when the page is marked
 * (TranslatablePageMarker::markForTranslation, src/PageTranslation/
 * TranslatablePageMarker.php lines 353-390) and the group's definitions are
 * read from there (WikiPageMessageGroup::getDefinitions,
 * messagegroups/WikiPageMessageGroup.php lines 66-96), not from the current
 * text. Here: the unit markers <!--T:n--> inside <translate> of the revision
 * the data file names as marked ({"messagegroupstats": {"marked": {"<Title>":
 * <revid>}}}), else of the latest revision (+ the "Page display title" unit
 * when the data file says so). translated = units whose
 * Translations:<Title>/<n>/<lang> page (namespace 1198) exists and is not
 * fuzzy; fuzzy = a revision tag on the page's latest revision
 * (MessageCollection::filterFuzzy and loadInfo, src/MessageLoading/
 * MessageCollection.php lines 440-459 and 631-636), which Translate also sets
 * without any marker in the text (failed validation, an edit without the
 * "unfuzzy" right): here the tag is set when the text holds !!FUZZY!!
 * anywhere (MessageHandle::hasFuzzyString, src/MessageLoading/
 * MessageHandle.php line 212) or when the data file lists the page in
 * {"messagegroupstats": {"fuzzy_tags": ["Translations:<Title>/<n>/<lang>"]}}.
 * proofread = 0. The source language counts as fully translated.
 *
 * The "not cached yet" quirk is driven by the data file:
 *   {"messagegroupstats": {"incomplete": {"page-X": {"from": "fr", "times": 2}}}}
 * makes the first 2 requests that reach language "fr" stop there (counted in
 * the state file); {"from": "fr", "always": true} never completes. The value
 * may also be a list of such objects.
 */

namespace MediaWiki\Extension\TechrolesStandIns;

use ApiBase;
use ApiQuery;
use ApiQueryBase;
use LanguageCode;
use MediaWiki\MediaWikiServices;
use MediaWiki\Revision\SlotRecord;
use TextContent;
use Title;
use Wikimedia\ParamValidator\ParamValidator;

class ApiQueryMessageGroupStats extends ApiQueryBase {

	public function __construct( ApiQuery $query, string $moduleName ) {
		parent::__construct( $query, $moduleName, 'mgs' );
	}

	public function getCacheMode( $params ) {
		return 'public';
	}

	public function execute() {
		$params = $this->extractRequestParams();
		$group = $this->resolveGroup( $params['group'] );
		if ( !$group ) {
			// Translate: $this->dieWithError( [ 'apierror-badparameter', 'mgsgroup' ] );
			$this->dieWithError( [ 'apierror-badparameter', 'mgsgroup' ] );
		}
		$incomplete = $this->incompleteSpecs( $group['id'] );

		$result = $this->getResult();
		foreach ( self::languages() as $code ) {
			// Translate compares language codes with the offset this way (PHP string order).
			if ( $code < $params['offset'] ) {
				continue;
			}
			if ( $this->notCached( $group['id'], $code, $incomplete ) ) {
				$this->setContinueEnumParameter( 'offset', $code );
				break;
			}
			$data = $this->makeStatsItem( $code, $this->stats( $group, $code ), $params );
			if ( $data === null ) {
				continue;
			}
			$result->addValue( [ 'query', $this->getModuleName() ], null, $data );
		}
		$result->addIndexedTagName( [ 'query', $this->getModuleName() ], 'stats' );
	}

	/** QueryMessageGroupStatsActionApi::makeStatsItem */
	private function makeStatsItem( string $code, array $stats, array $params ): ?array {
		$data = [
			'total' => $stats[0],
			'translated' => $stats[1],
			'fuzzy' => $stats[2],
			'proofread' => $stats[3],
		];
		if ( $params['suppresscomplete'] && $data['fuzzy'] === 0 && $data['translated'] === $data['total'] ) {
			return null;
		}
		if ( $params['suppressempty'] && $data['translated'] === 0 && $data['fuzzy'] === 0 ) {
			return null;
		}
		if ( $params['suppressempty'] && $data['total'] > 0 && ( $data['translated'] / $data['total'] ) < 0.02 ) {
			return null;
		}
		$data['code'] = $code; // For BC
		$data['language'] = $code;
		return $data;
	}

	/**
	 * Translate MessageGroupStats::getLanguages(): the keys of
	 * Utilities::getLanguageNames( 'en' ) without deprecated codes, sorted.
	 * @return string[]
	 */
	public static function languages(): array {
		$names = MediaWikiServices::getInstance()->getLanguageNameUtils()->getLanguageNames( 'en' );
		foreach ( array_keys( LanguageCode::getDeprecatedCodeMapping() ) as $deprecated ) {
			unset( $names[$deprecated] );
		}
		$codes = array_map( 'strval', array_keys( $names ) );
		sort( $codes );
		return $codes;
	}

	/**
	 * The translatable page behind "page-<Title>", or null when there is no
	 * such group (no page, or no marked unit on it).
	 */
	private function resolveGroup( string $id ): ?array {
		if ( substr( $id, 0, 5 ) !== 'page-' ) {
			return null;
		}
		$title = Title::newFromText( substr( $id, 5 ) );
		if ( !$title || !$title->exists() ) {
			return null;
		}
		$services = MediaWikiServices::getInstance();
		$data = Farm::data( 'messagegroupstats' );
		// The units as of the last marking (Translate: translate_sections), not the current text.
		$marked = $data['marked'][$title->getPrefixedText()] ?? null;
		$lookup = $services->getRevisionLookup();
		$rev = $marked !== null ? $lookup->getRevisionById( (int)$marked )
			: $lookup->getRevisionByTitle( $title );
		$content = $rev ? $rev->getContent( SlotRecord::MAIN ) : null;
		if ( !$content instanceof TextContent ) {
			return null;
		}
		$units = TranslateMarkup::unitIds( $content->getText() );
		if ( !$units ) {
			return null;
		}
		$displayTitle = $data['displaytitle'] ?? false;
		if ( is_array( $displayTitle ) ) {
			$displayTitle = in_array( 'page-' . $title->getPrefixedText(), $displayTitle, true );
		}
		if ( $displayTitle ) {
			$units[] = TranslateMarkup::DISPLAY_TITLE_UNIT;
		}
		return [
			'id' => 'page-' . $title->getPrefixedText(),
			'title' => $title,
			'units' => $units,
			'source' => $title->getPageLanguage()->getCode(),
			'translations' => $this->loadTranslations( $title, $units ),
		];
	}

	/**
	 * Translations:<Title>/<unit>/<lang> pages: [lang => [unit => fuzzy?]].
	 * @return array[]
	 */
	private function loadTranslations( Title $title, array $units ): array {
		$services = MediaWikiServices::getInstance();
		$dbr = $services->getDBLoadBalancer()->getConnection( DB_REPLICA );
		$prefix = $title->getPrefixedDBkey() . '/';
		$rows = $dbr->select(
			'page',
			[ 'page_id', 'page_title' ],
			[
				'page_namespace' => TranslateMarkup::NS_TRANSLATIONS,
				'page_title' . $dbr->buildLike( $prefix, $dbr->anyString() ),
			],
			__METHOD__
		);
		$unitKeys = [];
		foreach ( $units as $unit ) {
			$unitKeys[str_replace( ' ', '_', $unit )] = $unit;
		}
		$out = [];
		$lookup = $services->getRevisionLookup();
		$tagged = array_map(
			static fn ( $t ) => str_replace( ' ', '_', (string)$t ),
			(array)( Farm::data( 'messagegroupstats' )['fuzzy_tags'] ?? [] )
		);
		foreach ( $rows as $row ) {
			$rest = substr( $row->page_title, strlen( $prefix ) );
			$slash = strrpos( $rest, '/' );
			if ( $slash === false ) {
				continue;
			}
			$unitKey = substr( $rest, 0, $slash );
			$lang = substr( $rest, $slash + 1 );
			if ( !isset( $unitKeys[$unitKey] ) ) {
				continue;
			}
			$rev = $lookup->getRevisionByPageId( (int)$row->page_id );
			$content = $rev ? $rev->getContent( SlotRecord::MAIN ) : null;
			$text = $content instanceof TextContent ? $content->getText() : '';
			// The fuzzy revision tag: set with the marker anywhere in the text
			// (MessageHandle::hasFuzzyString), or without it (the data file's fuzzy_tags).
			$pageName = 'Translations:' . $prefix . $rest;
			$out[$lang][$unitKeys[$unitKey]] = strpos( $text, TranslateMarkup::FUZZY ) !== false
				|| in_array( $pageName, $tagged, true );
		}
		return $out;
	}

	/** [total, translated, fuzzy, proofread] of one language. */
	private function stats( array $group, string $code ): array {
		$total = count( $group['units'] );
		if ( $code === $group['source'] ) {
			return [ $total, $total, 0, 0 ];
		}
		$translated = 0;
		$fuzzy = 0;
		foreach ( $group['translations'][$code] ?? [] as $isFuzzy ) {
			if ( $isFuzzy ) {
				$fuzzy++;
			} else {
				$translated++;
			}
		}
		return [ $total, $translated, $fuzzy, 0 ];
	}

	/** The data file's "incomplete" specs for a group. */
	private function incompleteSpecs( string $groupId ): array {
		$spec = Farm::data( 'messagegroupstats' )['incomplete'][$groupId] ?? [];
		if ( !is_array( $spec ) ) {
			return [];
		}
		return isset( $spec['from'] ) ? [ $spec ] : array_values( array_filter( $spec, 'is_array' ) );
	}

	/** Whether the stats of $code are "not cached yet" for this request. */
	private function notCached( string $groupId, string $code, array $specs ): bool {
		foreach ( $specs as $spec ) {
			if ( (string)( $spec['from'] ?? '' ) !== $code ) {
				continue;
			}
			if ( !empty( $spec['always'] ) ) {
				return true;
			}
			$times = (int)( $spec['times'] ?? 1 );
			$key = "messagegroupstats|$groupId|$code";
			// Peek-and-count: only requests that reach the language are counted.
			if ( Farm::bump( $key ) < $times ) {
				return true;
			}
		}
		return false;
	}

	public function getAllowedParams() {
		return [
			'offset' => [
				ParamValidator::PARAM_DEFAULT => '0',
				ParamValidator::PARAM_TYPE => 'string',
				ApiBase::PARAM_HELP_MSG => 'api-help-param-continue',
			],
			'group' => [
				ParamValidator::PARAM_TYPE => 'string',
				ParamValidator::PARAM_REQUIRED => true,
			],
			'suppresscomplete' => false,
			'suppressempty' => false,
		];
	}

	protected function getExamplesMessages() {
		return [
			'action=query&meta=messagegroupstats&mgsgroup=page-Example'
				=> 'apihelp-query+messagegroupstats-example-1',
		];
	}
}
