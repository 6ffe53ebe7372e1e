<?php
/**
 * Settings shared by every wiki of the techroles test bed (never production).
 *
 * Each wiki's LocalSettings.php (written by testbed/farm.py) sets
 * $wgTechrolesWikiDir, $wgDBname, $wgLanguageCode and $wgSitename, then
 * requires this file. The farm description (ports, wikis) is read from
 * farm.json beside the wiki directories, so a copied snapshot works under
 * any base directory and any port.
 */

if ( !defined( 'MEDIAWIKI' ) ) {
	exit;
}

$wgTechrolesFarmDir = dirname( $wgTechrolesWikiDir );
$wgTechrolesFarm = json_decode(
	(string)@file_get_contents( "$wgTechrolesFarmDir/farm.json" ), true
) ?: [ 'wikis' => [] ];
$techrolesThisWiki = $wgTechrolesFarm['wikis'][$wgDBname] ?? [];

## Server: loopback only, port from the farm file.
$wgServer = 'http://127.0.0.1:' . ( $techrolesThisWiki['port'] ?? 80 );
$wgCanonicalServer = $wgServer;
$wgScriptPath = '';
$wgArticlePath = '/index.php/$1';
$wgUsePathInfo = true;
$wgResourceBasePath = $wgScriptPath;
$wgEnableUploads = false;

## Database: sqlite files inside the wiki directory (tmpfs when available).
$wgDBtype = 'sqlite';
$wgDBserver = '';
$wgDBuser = '';
$wgDBpassword = '';
$wgSQLiteDataDir = $wgTechrolesWikiDir;
$wgDBTableOptions = '';
$wgObjectCaches[CACHE_DB] = [
	'class' => SqlBagOStuff::class,
	'loggroup' => 'SQLBagOStuff',
	'server' => [
		'type' => 'sqlite',
		'dbname' => 'wikicache',
		'tablePrefix' => '',
		'variables' => [ 'synchronous' => 'NORMAL' ],
		'dbDirectory' => $wgSQLiteDataDir,
		'trxMode' => 'IMMEDIATE',
		'flags' => 0
	]
];
$wgLocalisationCacheConf['storeServer'] = [
	'type' => 'sqlite',
	'dbname' => "{$wgDBname}_l10n_cache",
	'tablePrefix' => '',
	'variables' => [ 'synchronous' => 'NORMAL' ],
	'dbDirectory' => $wgSQLiteDataDir,
	'trxMode' => 'IMMEDIATE',
	'flags' => 0
];
$wgJobTypeConf['default'] = [
	'class' => JobQueueDB::class,
	'claimTTL' => 3600,
	'server' => [
		'type' => 'sqlite',
		'dbname' => "{$wgDBname}_jobqueue",
		'tablePrefix' => '',
		'variables' => [ 'synchronous' => 'NORMAL' ],
		'dbDirectory' => $wgSQLiteDataDir,
		'trxMode' => 'IMMEDIATE',
		'flags' => 0
	]
];
$wgResourceLoaderUseObjectCacheForDeps = true;
$wgCacheDirectory = "$wgTechrolesWikiDir/cache";

## Caches: nothing per process, so maintenance scripts and the server agree.
$wgMainCacheType = CACHE_NONE;
$wgParserCacheType = CACHE_NONE;
$wgMessageCacheType = CACHE_NONE;
$wgSessionCacheType = CACHE_DB;
$wgMemCachedServers = [];

$wgSecretKey = 'techroles-testbed-secret-key-not-for-production-000000000000000';
$wgUpgradeKey = 'techrolestestbed';
$wgAuthenticationTokenVersion = '1';
$wgRightsText = '';
$wgLogos = [ '1x' => "$wgResourceBasePath/resources/assets/mediawiki.png" ];
$wgDefaultSkin = 'vector';
wfLoadSkin( 'Vector' );
$wgVectorResponsive = true;

## Speed and predictability for tests.
$wgRateLimits = [];
$wgJobRunRate = 0;
$wgPasswordPolicy = [ 'policies' => [ 'default' => [] ], 'checks' => [] ];
$wgEnableBotPasswords = true;
$wgShowExceptionDetails = true;
$wgDebugLogFile = '';
$wgPasswordAttemptThrottle = [];
$wgAccountCreationThrottle = 0;
$wgRCMaxAge = 20 * 365 * 24 * 3600;
$wgNoFollowLinks = true;
$wgAllowSiteCSSOnRestrictedPages = true;

## E-mail is enabled (so `emailable` can be true) but nothing is ever sent:
## the AlternateUserMailer hook swallows every message.
$wgEnableEmail = true;
$wgEnableUserEmail = true;
$wgEmailAuthentication = true;
$wgEmergencyContact = 'nobody@example.invalid';
$wgPasswordSender = 'nobody@example.invalid';
$wgHooks['AlternateUserMailer'][] = static function () {
	return false;
};

## Namespace 1198/1199 as on Meta (Translate's translation pages).
$wgExtraNamespaces[1198] = 'Translations';
$wgExtraNamespaces[1199] = 'Translations_talk';
$wgNamespacesWithSubpages[1198] = true;
$wgContentNamespaces = [ NS_MAIN ];

## Interwiki prefixes between the farm's wikis, as Wikimedia's map has them
## (m:, mw:, w:fr:, wikt:fr:, c:, d: and the language codes), so links the
## bot writes on one wiki point at the right local wiki.
## Prefixes that name this wiki itself are stripped by the title parser
## (w:fr: on frwiki, m: on Meta), as on Wikimedia's wikis.
$wgLocalInterwikis = array_values( array_filter( [
	( $techrolesThisWiki['family'] ?? '' ) === 'wikipedia' ? $techrolesThisWiki['code'] : null,
	[ 'meta' => 'm', 'mediawiki' => 'mw', 'commons' => 'c', 'wikidata' => 'd' ]
		[ $techrolesThisWiki['family'] ?? '' ] ?? null,
] ) );
$wgHooks['InterwikiLoadPrefix'][] = static function ( $prefix, &$iwData ) use ( $wgTechrolesFarm ) {
	$families = [ 'w' => 'wikipedia', 'wikipedia' => 'wikipedia', 'wikt' => 'wiktionary',
		'wiktionary' => 'wiktionary', 'b' => 'wikibooks', 's' => 'wikisource', 'q' => 'wikiquote',
		'v' => 'wikiversity', 'voy' => 'wikivoyage', 'n' => 'wikinews' ];
	$specials = [ 'm' => 'meta', 'meta' => 'meta', 'mw' => 'mediawiki', 'mediawikiwiki' => 'mediawiki',
		'c' => 'commons', 'commons' => 'commons', 'd' => 'wikidata', 'wikidata' => 'wikidata' ];
	$prefix = strtolower( $prefix );
	foreach ( $wgTechrolesFarm['wikis'] as $wiki ) {
		$match = ( $specials[$prefix] ?? null ) === $wiki['family']
			|| ( isset( $families[$prefix] ) && $families[$prefix] === $wiki['family'] )
			|| ( $wiki['family'] === 'wikipedia' && $wiki['code'] === $prefix );
		if ( $match ) {
			$iwData = [ 'iw_prefix' => $prefix, 'iw_url' => $wiki['url'] . '/index.php/$1',
				'iw_api' => $wiki['url'] . '/api.php', 'iw_wikiid' => $wiki['dbname'],
				'iw_local' => 1, 'iw_trans' => 0 ];
			return false;
		}
	}
	return true;
};

## Bundled extensions the real wikis also run.
wfLoadExtension( 'ParserFunctions' );
wfLoadExtension( 'Renameuser' );

## importDump attributes revisions only to existing users: create them.
$wgHooks['ImportHandleUnknownUser'][] = static function ( $name ) {
	$user = \MediaWiki\MediaWikiServices::getInstance()->getUserFactory()
		->newFromName( $name );
	if ( $user && !$user->isRegistered() ) {
		$user->addToDatabase();
		return false;
	}
	return true;
};

## Test-only stand-ins for the Wikimedia-only API modules (CentralAuth,
## Translate, SiteMatrix, MassMessage): see StandIns/README.md.
if ( is_file( __DIR__ . '/StandIns/extension.json' ) ) {
	wfLoadExtension( 'TechrolesStandIns', __DIR__ . '/StandIns/extension.json' );
}

## Per-wiki additions a test may drop in (protections of the config page...).
if ( is_file( "$wgTechrolesWikiDir/Extra.php" ) ) {
	require "$wgTechrolesWikiDir/Extra.php";
}
