<?php
/**
 * TEST-ONLY. Which hosts MassMessage would deliver to (MassMessage
 * includes/Lookup/DatabaseLookup.php, UrlHelper::getBaseUrl): the host of
 * each farm wiki's canonical server, its production-style host
 * ("fr.wikipedia.org", "meta.wikimedia.org", "www.mediawiki.org" …) and the
 * data file's {"massmessage": {"sites": {"host": "dbname"}}} (like
 * $wgMassMessageWikiAliases).
 */

namespace MediaWiki\Extension\TechrolesStandIns;

class MassMessageSites {
	/** UrlHelper::getBaseUrl(): the host (and port) of a URL. */
	public static function baseUrl( string $url ): string {
		$parts = wfParseUrl( wfExpandUrl( $url, PROTO_CANONICAL ) ) ?: [];
		$host = $parts['host'] ?? $url;
		return isset( $parts['port'] ) ? "$host:{$parts['port']}" : $host;
	}

	/** @return string[] host => dbname */
	public static function sites(): array {
		$sites = [];
		foreach ( Farm::wikis() as $dbname => $wiki ) {
			if ( !empty( $wiki['url'] ) ) {
				$sites[self::baseUrl( $wiki['url'] )] = $dbname;
			}
			$code = $wiki['code'] ?? null;
			$family = $wiki['family'] ?? null;
			if ( $family === 'wikipedia' && $code ) {
				$sites["$code.wikipedia.org"] = $dbname;
			} elseif ( $family === 'meta' ) {
				$sites['meta.wikimedia.org'] = $dbname;
			} elseif ( $family === 'mediawiki' ) {
				$sites['www.mediawiki.org'] = $dbname;
			} elseif ( $code && $family ) {
				$sites["$code.$family.org"] = $dbname;
			}
		}
		foreach ( (array)( Farm::data( 'massmessage' )['sites'] ?? [] ) as $host => $dbname ) {
			$sites[strtolower( (string)$host )] = (string)$dbname;
		}
		return $sites;
	}

	public static function dbnameOf( string $site ): ?string {
		return self::sites()[strtolower( $site )] ?? null;
	}
}
