<?php
/**
 * TEST-ONLY. Translate's page markup, minimally.
 *
 * Imitates (Translate extension, src/PageTranslation/):
 * - TranslatablePage / TranslatablePageParser: units are the <!--T:n-->
 *   markers inside <translate>…</translate>; unmarked units (<!--T:-1-->,
 *   or none) are not units yet. The page's message group id is
 *   "page-" + prefixed title.
 * - Rendering of the source page: <translate> tags, unit markers and
 *   variables (<tvar name=x>…</tvar>, deprecated <tvar|x>…</>) are removed,
 *   their text kept (PageTranslationHooks::renderTagPage).
 * - <languages/>: the language bar; here a small list of links to the
 *   existing <page>/<code> translation pages.
 */

namespace MediaWiki\Extension\TechrolesStandIns;

use Html;
use MediaWiki\MediaWikiServices;
use Parser;
use PPFrame;
use Title;

class TranslateMarkup {
	/** Reserved unit id of the page title (Translate: TranslatablePage::DISPLAY_TITLE_UNIT_ID). */
	public const DISPLAY_TITLE_UNIT = 'Page display title';
	/** Translate's TRANSLATE_FUZZY marker. */
	public const FUZZY = '!!FUZZY!!';
	public const NS_TRANSLATIONS = 1198;

	/** Remove translation markup, keep the text (source-page rendering). */
	public static function stripMarkup( string $text ): string {
		// Ordinary comments are left alone (markup quoted inside them is not markup).
		$parts = preg_split( '/(<!--(?!T:).*?(?:-->|$))/s', $text, -1, PREG_SPLIT_DELIM_CAPTURE );
		foreach ( $parts as $i => &$part ) {
			if ( $i % 2 === 0 ) {
				$part = self::stripSegment( $part );
			}
		}
		return implode( '', $parts );
	}

	private static function stripSegment( string $text ): string {
		// The tags themselves; a newline right after <translate> / before </translate> goes too.
		$text = preg_replace( '~<translate(?:\s[^>]*)?>\n?~i', '', $text );
		$text = preg_replace( '~\n?</translate\s*>~i', '', $text );
		// Unit markers: on their own line (with the newline) or at the end of a heading.
		$text = preg_replace( '/^[ \t]*<!--T:[^>]*?-->[ \t]*\n/m', '', $text );
		// A marker that starts a line takes its trailing blanks along (units are trimmed).
		$text = preg_replace( '/^[ \t]*<!--T:[^>]*?-->[ \t]*/m', '', $text );
		$text = preg_replace( '/[ \t]*<!--T:[^>]*?-->/', '', $text );
		// Variables, current and deprecated syntax.
		$text = preg_replace( '~<tvar\s+name\s*=\s*(["\']?)[^>]*?\1\s*>((?:(?!<tvar[\s|]).)*?)</tvar\s*>~s', '$2', $text );
		$text = preg_replace( '~<tvar\|[^>]*>((?:(?!<tvar[\s|]).)*?)</>~s', '$1', $text );
		return $text;
	}

	/** The text without ordinary comments (unit markers kept). */
	public static function withoutComments( string $text ): string {
		return preg_replace( '/<!--(?!T:).*?(?:-->|$)/s', '', $text );
	}

	/**
	 * Unit ids of a translatable page's source text, in order of appearance.
	 * @return string[]
	 */
	public static function unitIds( string $text ): array {
		$ids = [];
		$text = self::withoutComments( $text );
		if ( !preg_match_all( '~<translate(?:\s[^>]*)?>(.*?)</translate\s*>~is', $text, $blocks ) ) {
			return [];
		}
		foreach ( $blocks[1] as $block ) {
			preg_match_all( '/<!--T:(\d+)-->/', $block, $m );
			foreach ( $m[1] as $id ) {
				$ids[(string)(int)$id] = true;
			}
		}
		return array_map( 'strval', array_keys( $ids ) );
	}

	/** Tag hook <translate>: used when the markup arrives through transclusion. */
	public static function renderTranslateTag( $input, array $args, Parser $parser, PPFrame $frame ): string {
		return $parser->recursiveTagParse( self::stripMarkup( (string)$input ), $frame );
	}

	/**
	 * Tag hook <section/> (LabeledSectionTransclusion, which Meta runs and
	 * Debian does not package): the markers render as nothing on the page.
	 */
	public static function renderSectionTag( $input, array $args, Parser $parser, PPFrame $frame ): string {
		return $input === null ? '' : $parser->recursiveTagParse( (string)$input, $frame );
	}

	/** Tag hook <languages/>: links to the existing translations of the page. */
	public static function renderLanguagesTag( $input, array $args, Parser $parser, PPFrame $frame ): string {
		$page = $parser->getPage();
		if ( !$page ) {
			return '';
		}
		$title = Title::castFromPageReference( $page );
		$base = $title;
		$names = MediaWikiServices::getInstance()->getLanguageNameUtils()->getLanguageNames();
		$last = strrpos( $title->getDBkey(), '/' );
		if ( $last !== false && isset( $names[substr( $title->getDBkey(), $last + 1 )] ) ) {
			$base = Title::makeTitle( $title->getNamespace(), substr( $title->getDBkey(), 0, $last ) );
		}
		$dbr = MediaWikiServices::getInstance()->getDBLoadBalancer()->getConnection( DB_REPLICA );
		$rows = $dbr->select(
			'page',
			'page_title',
			[
				'page_namespace' => $base->getNamespace(),
				'page_title' . $dbr->buildLike( $base->getDBkey() . '/', $dbr->anyString() ),
			],
			__METHOD__
		);
		$linkRenderer = MediaWikiServices::getInstance()->getLinkRenderer();
		$items = [ $linkRenderer->makeKnownLink( $base, $names[$base->getPageLanguage()->getCode()] ?? $base->getPageLanguage()->getCode() ) ];
		foreach ( $rows as $row ) {
			$code = substr( $row->page_title, strlen( $base->getDBkey() ) + 1 );
			if ( isset( $names[$code] ) ) {
				$items[] = $linkRenderer->makeKnownLink(
					Title::makeTitle( $base->getNamespace(), $row->page_title ), $names[$code]
				);
			}
		}
		return Html::rawElement( 'div', [ 'class' => 'mw-pt-languages noprint', 'dir' => 'ltr' ],
			implode( ' • ', $items ) );
	}
}
