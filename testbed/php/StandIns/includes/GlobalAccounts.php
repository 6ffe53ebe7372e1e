<?php
/**
 * TEST-ONLY. A global account of the farm, standing in for CentralAuth's
 * CentralAuthUser (getHomeWiki, getId, getRegistration, getName, isLocked,
 * isHidden, getGlobalGroups, getGlobalRights, queryAttached, queryUnattached,
 * getGlobalEditCount).
 *
 * Local accounts are read from every farm wiki's sqlite file (tables user,
 * user_groups, ipblocks + comment of MediaWiki 1.39). The data file's
 * "globaluserinfo" section overrides or adds what local databases cannot
 * say (README.md has the schema):
 *   {"users": {"Name": {"home", "id", "registration", "locked", "hidden",
 *     "missing", "groups", "rights", "unattached": [dbname…],
 *     "merged": {dbname: {"method", "timestamp"}}, "extra_merged": [account…]}},
 *    "grouprights": {group: [right…]}}
 */

namespace MediaWiki\Extension\TechrolesStandIns;

class GlobalAccounts {
	/** @var string */
	private $name;
	/** @var array Data-file entry of this name */
	private $spec;
	/** @var array[]|null dbname => local account */
	private $local = null;

	public function __construct( string $name ) {
		$this->name = $name;
		$this->spec = self::specFor( $name );
	}

	/** Data-file entry of a (canonical) name; keys are normalised like user names. */
	private static function specFor( string $name ): array {
		foreach ( Farm::data( 'globaluserinfo' )['users'] ?? [] as $key => $spec ) {
			if ( self::normalise( (string)$key ) === $name && is_array( $spec ) ) {
				return $spec;
			}
		}
		return [];
	}

	private static function normalise( string $name ): string {
		$name = trim( str_replace( '_', ' ', $name ) );
		return mb_strtoupper( mb_substr( $name, 0, 1 ) ) . mb_substr( $name, 1 );
	}

	/** A stable global id for a name (CentralAuth: gu_id). */
	public static function idFor( string $name ): int {
		$spec = self::specFor( $name );
		if ( isset( $spec['id'] ) ) {
			return (int)$spec['id'];
		}
		return ( crc32( $name ) & 0x7fffffff ) ?: 1;
	}

	/** CentralAuthUser::newFromId(): null when no global account has this id. */
	public static function newFromId( int $id ): ?self {
		$candidates = [];
		foreach ( Farm::data( 'globaluserinfo' )['users'] ?? [] as $key => $spec ) {
			$candidates[self::normalise( (string)$key )] = true;
		}
		foreach ( array_keys( Farm::wikis() ) as $dbname ) {
			foreach ( Farm::select( $dbname, 'SELECT user_name FROM user' ) as $row ) {
				$candidates[$row['user_name']] = true;
			}
		}
		foreach ( array_keys( $candidates ) as $name ) {
			$name = (string)$name;
			if ( self::idFor( $name ) === $id ) {
				$user = new self( $name );
				if ( $user->exists() ) {
					return $user;
				}
			}
		}
		return null;
	}

	/** Local accounts of this name on the farm's wikis, by dbname. */
	private function localAccounts(): array {
		if ( $this->local !== null ) {
			return $this->local;
		}
		$this->local = [];
		$now = wfTimestamp( TS_MW );
		foreach ( Farm::wikis() as $dbname => $wiki ) {
			$rows = Farm::select( $dbname,
				'SELECT user_id, user_name, user_registration, user_editcount FROM user WHERE user_name = ?',
				[ $this->name ] );
			if ( !$rows ) {
				continue;
			}
			$row = $rows[0];
			$groups = [];
			foreach ( Farm::select( $dbname,
				'SELECT ug_group FROM user_groups WHERE ug_user = ? AND (ug_expiry IS NULL OR ug_expiry >= ?)'
				. ' ORDER BY ug_group', [ $row['user_id'], $now ] ) as $g
			) {
				$groups[] = (string)$g['ug_group'];
			}
			$block = null;
			foreach ( Farm::select( $dbname,
				'SELECT ipb_expiry, ipb_deleted, comment_text FROM ipblocks'
				. ' LEFT JOIN comment ON comment_id = ipb_reason_id'
				. ' WHERE ipb_user = ? AND ipb_auto = 0 ORDER BY ipb_timestamp DESC',
				[ $row['user_id'] ] ) as $b
			) {
				if ( $b['ipb_expiry'] === 'infinity' || $b['ipb_expiry'] > $now ) {
					$block = $b;
					break;
				}
			}
			$this->local[$dbname] = [
				'wiki' => $dbname,
				'url' => $wiki['url'] ?? '',
				'id' => (int)$row['user_id'],
				'registration' => $row['user_registration'] === null ? null : (string)$row['user_registration'],
				'editCount' => $row['user_editcount'],
				'groups' => $groups,
				'blocked' => $block !== null,
				'block-expiry' => $block['ipb_expiry'] ?? null,
				'block-reason' => $block === null ? null : (string)$block['comment_text'],
				'block-hideblock' => $block !== null && (int)$block['ipb_deleted'] > 0,
			];
		}
		return $this->local;
	}

	private function unattachedWikis(): array {
		return array_map( 'strval', (array)( $this->spec['unattached'] ?? [] ) );
	}

	/** Attached local accounts (before methods/timestamps are added). */
	private function attachedLocal(): array {
		return array_diff_key( $this->localAccounts(), array_flip( $this->unattachedWikis() ) );
	}

	public function exists(): bool {
		if ( !empty( $this->spec['missing'] ) ) {
			return false;
		}
		return $this->attachedLocal() || !empty( $this->spec['extra_merged'] );
	}

	public function getName(): string {
		return $this->name;
	}

	public function getId(): int {
		return self::idFor( $this->name );
	}

	public function isLocked(): bool {
		return !empty( $this->spec['locked'] );
	}

	public function isHidden(): bool {
		return !empty( $this->spec['hidden'] );
	}

	public function getGlobalGroups(): array {
		return array_values( array_map( 'strval', (array)( $this->spec['groups'] ?? [] ) ) );
	}

	public function getGlobalRights(): array {
		if ( isset( $this->spec['rights'] ) ) {
			return array_values( array_map( 'strval', (array)$this->spec['rights'] ) );
		}
		$map = Farm::data( 'globaluserinfo' )['grouprights'] ?? [];
		$rights = [];
		foreach ( $this->getGlobalGroups() as $group ) {
			foreach ( (array)( $map[$group] ?? [] ) as $right ) {
				$rights[(string)$right] = true;
			}
		}
		return array_keys( $rights );
	}

	/** CentralAuthUser::getHomeWiki(), see the class comment. */
	public function getHomeWiki(): ?string {
		if ( isset( $this->spec['home'] ) ) {
			return (string)$this->spec['home'];
		}
		$best = null;
		foreach ( $this->attachedLocal() as $dbname => $account ) {
			$reg = $account['registration'] ?? '99999999999999';
			if ( $best === null || $reg < $best[0]
				|| ( $reg === $best[0] && (int)$account['editCount'] > $best[1] )
			) {
				$best = [ $reg, (int)$account['editCount'], $dbname ];
			}
		}
		if ( $best ) {
			return $best[2];
		}
		return isset( $this->spec['extra_merged'][0]['wiki'] ) ? (string)$this->spec['extra_merged'][0]['wiki'] : null;
	}

	/** Global registration (TS_MW or null). */
	public function getRegistration(): ?string {
		if ( isset( $this->spec['registration'] ) ) {
			return wfTimestamp( TS_MW, $this->spec['registration'] );
		}
		$min = null;
		foreach ( $this->queryAttached() as $account ) {
			if ( $account['registration'] !== null && ( $min === null || $account['registration'] < $min ) ) {
				$min = $account['registration'];
			}
		}
		return $min;
	}

	/**
	 * CentralAuthUser::queryAttached(): attached accounts, ordered by dbname.
	 * @return array[]
	 */
	public function queryAttached(): array {
		$home = $this->getHomeWiki();
		$overrides = (array)( $this->spec['merged'] ?? [] );
		$accounts = [];
		foreach ( $this->attachedLocal() as $dbname => $account ) {
			$o = (array)( $overrides[$dbname] ?? [] );
			$account['attachedMethod'] = (string)( $o['method'] ?? ( $dbname === $home ? 'new' : 'login' ) );
			$account['attachedTimestamp'] = isset( $o['timestamp'] )
				? wfTimestamp( TS_MW, $o['timestamp'] )
				: $account['registration'];
			$accounts[$dbname] = $account;
		}
		foreach ( (array)( $this->spec['extra_merged'] ?? [] ) as $extra ) {
			$extra = (array)$extra;
			$dbname = (string)( $extra['wiki'] ?? '' );
			if ( $dbname === '' ) {
				continue;
			}
			$reg = isset( $extra['registration'] ) ? wfTimestamp( TS_MW, $extra['registration'] ) : null;
			$accounts[$dbname] = [
				'wiki' => $dbname,
				'url' => (string)( $extra['url'] ?? '' ),
				'id' => (int)( $extra['id'] ?? 0 ),
				'registration' => $reg,
				'editCount' => (int)( $extra['editcount'] ?? 0 ),
				'groups' => array_values( (array)( $extra['groups'] ?? [] ) ),
				'blocked' => isset( $extra['blocked'] ),
				'block-expiry' => $extra['blocked']['expiry'] ?? null,
				'block-reason' => $extra['blocked']['reason'] ?? null,
				'block-hideblock' => false,
				'attachedMethod' => (string)( $extra['method'] ?? 'login' ),
				'attachedTimestamp' => isset( $extra['timestamp'] ) ? wfTimestamp( TS_MW, $extra['timestamp'] ) : $reg,
			];
		}
		ksort( $accounts, SORT_STRING );
		return array_values( $accounts );
	}

	/**
	 * CentralAuthUser::queryUnattached(): local accounts of this name that
	 * are not attached. editCount stays as the database gives it in the real
	 * module (a string there); kept a string here too.
	 * @return array[]
	 */
	public function queryUnattached(): array {
		$out = [];
		$local = $this->localAccounts();
		// Without a global account every local account of the name is unattached.
		$wikis = $this->exists() ? $this->unattachedWikis() : array_keys( $local );
		foreach ( $wikis as $dbname ) {
			if ( isset( $local[$dbname] ) ) {
				$account = $local[$dbname];
				$account['editCount'] = $account['editCount'] === null ? null : (string)$account['editCount'];
				$out[$dbname] = $account;
			}
		}
		ksort( $out, SORT_STRING );
		return array_values( $out );
	}

	public function getGlobalEditCount(): int {
		$sum = 0;
		foreach ( $this->queryAttached() as $account ) {
			$sum += (int)$account['editCount'];
		}
		return $sum;
	}
}
