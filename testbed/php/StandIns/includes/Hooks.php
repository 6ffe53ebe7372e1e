<?php
/**
 * TEST-ONLY. Registration of the stand-ins, per wiki.
 *
 * Nothing is registered statically in extension.json: the registration
 * callback and the module-manager hooks consult farm.json ("standins" of the
 * serving wiki, see Farm::enabled()), so on a wiki where the stand-ins are
 * off the modules, content model, log types and tags do not exist at all,
 * exactly as on a wiki without the real extensions. A module name that core
 * (or anything else) already defines is never replaced.
 */

namespace MediaWiki\Extension\TechrolesStandIns;

use ApiModuleManager;
use LogFormatter;
use Parser;

class Hooks {

	/** extension.json "callback": runs once LocalSettings.php is complete. */
	public static function onRegistration(): void {
		if ( Farm::enabled( 'massmessage' ) ) {
			// MassMessage extension.json: ContentHandlers, LogTypes, LogActionsHandlers.
			$GLOBALS['wgContentHandlers']['MassMessageListContent'] =
				MassMessageListContentHandler::class;
			self::addLogType( 'massmessage', [
				'send', 'skipoptout', 'skipnouser', 'skipbadns', 'failure',
			] );
		}
		if ( Farm::enabled( 'centralauth' ) ) {
			// CentralAuth extension.json: "gblrename" (GlobalRenameLogFormatter) and
			// "globalauth" (setstatus, delete; log of locks and hides).
			self::addLogType( 'gblrename', [ 'rename', 'promote', 'merge' ] );
			self::addLogType( 'globalauth', [ 'setstatus', 'delete' ] );
			// ... and, for a status change that leaves the account hidden, core's
			// "suppress" log (CentralAuthUser::logAction, includes/User/CentralAuthUser.php
			// lines 3519-3531, called with $suppressLog = hidden level not none, line 2265).
			self::addLogType( 'suppress', [ 'setstatus', 'cadelete' ] );
		}
	}

	private static function addLogType( string $type, array $actions ): void {
		if ( !in_array( $type, $GLOBALS['wgLogTypes'], true ) ) {
			$GLOBALS['wgLogTypes'][] = $type;
		}
		foreach ( $actions as $action ) {
			$GLOBALS['wgLogActionsHandlers']["$type/$action"] ??= LogFormatter::class;
		}
	}

	/** Hook ApiMain::moduleManager: action=sitematrix. */
	public static function onApiMainModuleManager( ApiModuleManager $moduleManager ): void {
		if ( Farm::enabled( 'sitematrix' ) && !$moduleManager->isDefined( 'sitematrix', 'action' ) ) {
			$moduleManager->addModule( 'sitematrix', 'action', [
				'class' => ApiSiteMatrix::class,
				'services' => [ 'LanguageNameUtils', 'LanguageFactory' ],
			] );
		}
	}

	/** Hook ApiQuery::moduleManager: meta=globaluserinfo|messagegroupstats, list=globalblocks, prop=mmcontent. */
	public static function onApiQueryModuleManager( ApiModuleManager $moduleManager ): void {
		if ( Farm::enabled( 'centralauth' ) && !$moduleManager->isDefined( 'globaluserinfo', 'meta' ) ) {
			$moduleManager->addModule( 'globaluserinfo', 'meta', [
				'class' => ApiQueryGlobalUserInfo::class,
				'services' => [ 'UserNameUtils' ],
			] );
		}
		if ( Farm::enabled( 'globalblocking' ) && !$moduleManager->isDefined( 'globalblocks', 'list' ) ) {
			$moduleManager->addModule( 'globalblocks', 'list', [
				'class' => ApiQueryGlobalBlocks::class,
			] );
		}
		if ( Farm::enabled( 'translate' ) && !$moduleManager->isDefined( 'messagegroupstats', 'meta' ) ) {
			$moduleManager->addModule( 'messagegroupstats', 'meta', [
				'class' => ApiQueryMessageGroupStats::class,
			] );
		}
		if ( Farm::enabled( 'massmessage' ) && !$moduleManager->isDefined( 'mmcontent', 'prop' ) ) {
			$moduleManager->addModule( 'mmcontent', 'prop', [
				'class' => ApiQueryMMContent::class,
			] );
		}
	}

	/**
	 * Hook LanguageGetTranslatedLanguageNames, as the cldr extension: names of
	 * languages in another language, from ICU (CLDR data) through php-intl.
	 * Only plain codes (no "-" subtags); others keep MediaWiki's autonym.
	 * @param string[] &$names
	 * @param string $code
	 */
	public static function onLanguageGetTranslatedLanguageNames( &$names, $code ): void {
		if ( !Farm::enabled( 'cldr' ) || !class_exists( \Locale::class ) ) {
			return;
		}
		foreach ( array_keys( \MediaWiki\Languages\Data\Names::$names ) as $lang ) {
			if ( isset( $names[$lang] ) || strpos( $lang, '-' ) !== false ) {
				continue;
			}
			$name = \Locale::getDisplayLanguage( $lang, $code );
			if ( is_string( $name ) && $name !== '' && $name !== $lang ) {
				$names[$lang] = $name;
			}
		}
	}

	/** Hook ParserFirstCallInit: <translate> and <languages/>. */
	public static function onParserFirstCallInit( Parser $parser ): void {
		if ( !Farm::enabled( 'translate' ) ) {
			return;
		}
		$parser->setHook( 'translate', [ TranslateMarkup::class, 'renderTranslateTag' ] );
		$parser->setHook( 'languages', [ TranslateMarkup::class, 'renderLanguagesTag' ] );
		if ( !in_array( 'section', $parser->getTags(), true ) ) {
			$parser->setHook( 'section', [ TranslateMarkup::class, 'renderSectionTag' ] );
		}
	}

	/**
	 * Hook ParserBeforeInternalParse: like Translate on a translatable page,
	 * strip the translation markup from the top-level text before it is
	 * parsed, so that headings and paragraphs inside <translate> behave as
	 * ordinary wikitext.
	 * @param Parser $parser
	 * @param string &$text
	 * @return bool
	 */
	public static function onParserBeforeInternalParse( $parser, &$text ): bool {
		if ( Farm::enabled( 'translate' ) && is_string( $text ) && stripos( $text, '<translate' ) !== false ) {
			$text = TranslateMarkup::stripMarkup( $text );
		}
		return true;
	}
}
