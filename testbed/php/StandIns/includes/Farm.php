<?php
/**
 * TEST-ONLY. The farm, the stand-ins' data file and their small state file.
 *
 * - The farm file ($wgTechrolesFarmDir/farm.json, already decoded by
 *   TestbedSettings.php into $wgTechrolesFarm) lists the wikis of the test
 *   bed: {"wikis": {dbname: {port, lang, family, code, sitename, dbname, url,
 *   dir, project, standins}}}. Each wiki's database is "<dir>/<dbname>.sqlite".
 * - The data file ($wgTechrolesStandInData, default
 *   "$wgTechrolesFarmDir/standins.json") is re-read on every request; a
 *   missing or unreadable file means "no data". Its schema is in README.md.
 * - The state file ("standins-state.json" beside the data file) keeps the
 *   counters of the stand-ins' quirks (messagegroupstats' incomplete cache)
 *   across requests. Deleting it resets them; so does rewriting the data file.
 */

namespace MediaWiki\Extension\TechrolesStandIns;

use PDO;
use PDOException;

class Farm {
	/**
	 * Components a wiki can switch on or off with "standins" in farm.json,
	 * named after the real extensions they imitate:
	 * - centralauth: meta=globaluserinfo, log types gblrename and globalauth
	 * - globalblocking: list=globalblocks
	 * - translate: meta=messagegroupstats, <translate>, <languages/>
	 * - sitematrix: action=sitematrix
	 * - massmessage: content model MassMessageListContent, prop=mmcontent,
	 *   log type massmessage
	 * - cldr: language names in other languages ("French" for fr in English),
	 *   as the cldr extension gives them on Wikimedia wikis (SiteMatrix's
	 *   "localname" uses them)
	 */
	public const COMPONENTS = [ 'centralauth', 'globalblocking', 'translate', 'sitematrix', 'massmessage', 'cldr' ];

	/** @var array|null Decoded data file, per request */
	private static $data = null;
	/** @var string|null Raw data file text, per request */
	private static $dataText = null;
	/** @var PDO[] */
	private static $pdo = [];

	/**
	 * Whether a component answers on the wiki serving this request.
	 *
	 * farm.json's "standins" for this wiki: absent or true = everything,
	 * false = nothing (the modules do not exist at all), or a list of
	 * component names from self::COMPONENTS.
	 */
	public static function enabled( string $component ): bool {
		$flag = self::thisWiki()['standins'] ?? true;
		if ( is_array( $flag ) ) {
			return in_array( $component, $flag, true );
		}
		return (bool)$flag;
	}

	/** The farm file's entry for the wiki serving this request. */
	public static function thisWiki(): array {
		$farm = $GLOBALS['wgTechrolesFarm']['wikis'] ?? [];
		return $farm[$GLOBALS['wgDBname']] ?? [];
	}

	/**
	 * Every wiki of the farm (dbname => entry), the serving wiki included
	 * even when the farm file does not list it.
	 * @return array[]
	 */
	public static function wikis(): array {
		$wikis = $GLOBALS['wgTechrolesFarm']['wikis'] ?? [];
		$self = $GLOBALS['wgDBname'];
		if ( !isset( $wikis[$self] ) ) {
			$wikis[$self] = [
				'dbname' => $self,
				'lang' => $GLOBALS['wgLanguageCode'],
				'sitename' => $GLOBALS['wgSitename'],
				'url' => $GLOBALS['wgCanonicalServer'] ?? $GLOBALS['wgServer'],
				'dir' => $GLOBALS['wgSQLiteDataDir'],
				'code' => $self,
				'project' => 'wiki',
			];
		}
		foreach ( $wikis as $dbname => &$wiki ) {
			$wiki['dbname'] = $wiki['dbname'] ?? $dbname;
		}
		return $wikis;
	}

	/** Path of the data file. */
	public static function dataPath(): string {
		$path = $GLOBALS['wgTechrolesStandInData'] ?? null;
		if ( !$path ) {
			$dir = $GLOBALS['wgTechrolesFarmDir'] ?? dirname( $GLOBALS['wgSQLiteDataDir'] );
			$path = "$dir/standins.json";
		}
		return $path;
	}

	/** Path of the state file: "standins.json" -> "standins-state.json". */
	public static function statePath(): string {
		return preg_replace( '/\.json$/', '', self::dataPath() ) . '-state.json';
	}

	/**
	 * The data file, decoded (re-read on every request; missing = []).
	 * @param string|null $section Top-level key to return
	 * @return array
	 */
	public static function data( ?string $section = null ): array {
		if ( self::$data === null ) {
			$text = @file_get_contents( self::dataPath() );
			self::$dataText = $text === false ? '' : $text;
			$decoded = $text === false ? null : json_decode( $text, true );
			self::$data = is_array( $decoded ) ? $decoded : [];
		}
		if ( $section === null ) {
			return self::$data;
		}
		$value = self::$data[$section] ?? [];
		return is_array( $value ) ? $value : [];
	}

	/**
	 * Count one more hit of a quirk and return the number of earlier hits.
	 *
	 * The state is tied to the data file's content and modification time:
	 * rewriting the data file starts the counters again.
	 */
	public static function bump( string $key ): int {
		self::data();
		$epoch = sha1( self::$dataText . '|' . ( @filemtime( self::dataPath() ) ?: 0 ) );
		$path = self::statePath();
		$fh = @fopen( $path, 'c+' );
		if ( !$fh ) {
			return 0;
		}
		try {
			flock( $fh, LOCK_EX );
			$state = json_decode( (string)stream_get_contents( $fh ), true );
			if ( !is_array( $state ) || ( $state['epoch'] ?? null ) !== $epoch ) {
				$state = [ 'epoch' => $epoch, 'hits' => [] ];
			}
			$before = (int)( $state['hits'][$key] ?? 0 );
			$state['hits'][$key] = $before + 1;
			ftruncate( $fh, 0 );
			rewind( $fh );
			fwrite( $fh, json_encode( $state, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES ) . "\n" );
			fflush( $fh );
			flock( $fh, LOCK_UN );
		} finally {
			fclose( $fh );
		}
		return $before;
	}

	/** A read-only connection to a farm wiki's sqlite database, or null. */
	public static function db( string $dbname ): ?PDO {
		if ( array_key_exists( $dbname, self::$pdo ) ) {
			return self::$pdo[$dbname];
		}
		$wiki = self::wikis()[$dbname] ?? null;
		$pdo = null;
		if ( $wiki && isset( $wiki['dir'] ) ) {
			$path = rtrim( $wiki['dir'], '/' ) . "/$dbname.sqlite";
			if ( is_file( $path ) ) {
				try {
					$options = [ PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_TIMEOUT => 10 ];
					if ( defined( 'PDO::SQLITE_ATTR_OPEN_FLAGS' ) ) {
						$options[PDO::SQLITE_ATTR_OPEN_FLAGS] = PDO::SQLITE_OPEN_READONLY;
					}
					$pdo = new PDO( "sqlite:$path", null, null, $options );
				} catch ( PDOException $e ) {
					wfDebugLog( 'TechrolesStandIns', "cannot open $path: " . $e->getMessage() );
					$pdo = null;
				}
			}
		}
		self::$pdo[$dbname] = $pdo;
		return $pdo;
	}

	/**
	 * Run a read query on a farm wiki; [] when the wiki cannot be read.
	 * @return array[]
	 */
	public static function select( string $dbname, string $sql, array $args = [] ): array {
		$pdo = self::db( $dbname );
		if ( !$pdo ) {
			return [];
		}
		try {
			$stmt = $pdo->prepare( $sql );
			$stmt->execute( $args );
			return $stmt->fetchAll( PDO::FETCH_ASSOC );
		} catch ( PDOException $e ) {
			wfDebugLog( 'TechrolesStandIns', "$dbname: " . $e->getMessage() );
			return [];
		}
	}
}
