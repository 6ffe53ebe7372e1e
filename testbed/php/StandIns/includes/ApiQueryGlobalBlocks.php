<?php
/**
 * TEST-ONLY stand-in for GlobalBlocking's list=globalblocks.
 *
 * Imitates GlobalBlocking includes/Api/ApiQueryGlobalBlocks.php (commit
 * 345a9aca4661):
 * - parameters (prefix "bg", lines 269-320): start, end (timestamps), dir
 *   (newer|older, default older), ids (integers), addresses (deprecated alias
 *   of targets), targets (multi), ip, limit (default 10, max 500/5000), prop
 *   (id|address|target|by|timestamp|expiry|reason|range, default
 *   id|target|by|timestamp|expiry|reason); at most one of addresses, targets,
 *   ip (line 74);
 * - only unexpired blocks (line 201); a user target matches through its
 *   global account, a name without one matches nothing and, when it is the
 *   only target, nothing at all is listed (lines 127-168);
 * - rows ordered by timestamp (dir), one more than limit read to set
 *   continue.bgstart to the first row not shown (lines 209-214);
 * - each row (lines 218-255): id (int), target (or "address" when only the
 *   deprecated prop is asked) plus anononly, account-creation-disabled,
 *   block-email, autoblocking-enabled, automatic (booleans, with prop
 *   target), by, bywiki, timestamp (ISO 8601), expiry ("infinity" or ISO
 *   8601, ApiResult::formatExpiry), reason; the result is the list
 *   query.globalblocks (line 260).
 *
 * The blocks come from the data file's "globalblocks" section (schema in
 * README.md), not from a globalblocks table.
 */

namespace MediaWiki\Extension\TechrolesStandIns;

use ApiBase;
use ApiQuery;
use ApiQueryBase;
use ApiResult;
use Wikimedia\IPUtils;
use Wikimedia\ParamValidator\ParamValidator;
use Wikimedia\ParamValidator\TypeDef\EnumDef;
use Wikimedia\ParamValidator\TypeDef\IntegerDef;

class ApiQueryGlobalBlocks extends ApiQueryBase {

	public function __construct( ApiQuery $query, string $moduleName ) {
		parent::__construct( $query, $moduleName, 'bg' );
	}

	/**
	 * The data file's blocks with their defaults, oldest first.
	 * @return array[]
	 */
	public static function blocks(): array {
		$blocks = [];
		foreach ( Farm::data( 'globalblocks' )['blocks'] ?? [] as $i => $spec ) {
			if ( !is_array( $spec ) || !isset( $spec['target'] ) ) {
				continue;
			}
			$target = (string)$spec['target'];
			$expiry = (string)( $spec['expiry'] ?? 'infinity' );
			$blocks[] = [
				'id' => (int)( $spec['id'] ?? $i + 1 ),
				'target' => IPUtils::isIPAddress( $target ) ? $target
					: mb_strtoupper( mb_substr( $target, 0, 1 ) ) . mb_substr( str_replace( '_', ' ', $target ), 1 ),
				'anononly' => (bool)( $spec['anononly'] ?? false ),
				'account-creation-disabled' => (bool)( $spec['account-creation-disabled'] ?? true ),
				'block-email' => (bool)( $spec['block-email'] ?? false ),
				'autoblocking-enabled' => (bool)( $spec['autoblocking-enabled'] ?? false ),
				'by' => (string)( $spec['by'] ?? 'Admin' ),
				'bywiki' => (string)( $spec['bywiki'] ?? 'metawiki' ),
				'timestamp' => wfTimestamp( TS_MW, $spec['timestamp'] ?? '20260101000000' ),
				'expiry' => wfIsInfinity( $expiry ) ? 'infinity' : wfTimestamp( TS_MW, $expiry ),
				'reason' => (string)( $spec['reason'] ?? '' ),
			];
		}
		usort( $blocks, static function ( $a, $b ) {
			return [ $a['timestamp'], $a['id'] ] <=> [ $b['timestamp'], $b['id'] ];
		} );
		return $blocks;
	}

	public function execute() {
		$params = $this->extractRequestParams();
		$this->requireMaxOneParameter( $params, 'addresses', 'targets', 'ip' );
		$prop = array_flip( $params['prop'] );
		$targetName = isset( $prop['address'] ) && !isset( $prop['target'] ) ? 'address' : 'target';
		$fldTarget = isset( $prop['target'] ) || isset( $prop['address'] );
		if ( isset( $params['addresses'] ) && !isset( $params['targets'] ) ) {
			$params['targets'] = $params['addresses'];
		}

		$now = wfTimestampNow();
		$rows = [];
		foreach ( self::blocks() as $block ) {
			if ( $block['expiry'] !== 'infinity' && $block['expiry'] <= $now ) {
				continue;
			}
			if ( isset( $params['ids'] ) && !in_array( $block['id'], $params['ids'], true ) ) {
				continue;
			}
			if ( isset( $params['targets'] ) && !$this->matchesTargets( $block['target'], $params['targets'] ) ) {
				continue;
			}
			if ( isset( $params['ip'] ) && $block['target'] !== IPUtils::sanitizeIP( $params['ip'] ) ) {
				continue;
			}
			if ( $params['start'] !== null && ( $params['dir'] === 'older'
				? $block['timestamp'] > wfTimestamp( TS_MW, $params['start'] )
				: $block['timestamp'] < wfTimestamp( TS_MW, $params['start'] ) ) ) {
				continue;
			}
			if ( $params['end'] !== null && ( $params['dir'] === 'older'
				? $block['timestamp'] < wfTimestamp( TS_MW, $params['end'] )
				: $block['timestamp'] > wfTimestamp( TS_MW, $params['end'] ) ) ) {
				continue;
			}
			$rows[] = $block;
		}
		if ( $params['dir'] === 'older' ) {
			$rows = array_reverse( $rows );
		}

		$data = [];
		$count = 0;
		foreach ( $rows as $row ) {
			if ( ++$count > $params['limit'] ) {
				$this->setContinueEnumParameter( 'start', wfTimestamp( TS_ISO_8601, $row['timestamp'] ) );
				break;
			}
			$block = [ ApiResult::META_TYPE => 'assoc' ];
			if ( isset( $prop['id'] ) ) {
				$block['id'] = $row['id'];
			}
			if ( $fldTarget ) {
				$block[$targetName] = $row['target'];
				foreach ( [ 'anononly', 'account-creation-disabled', 'block-email', 'autoblocking-enabled' ] as $flag ) {
					$block[$flag] = $row[$flag];
				}
				$block['automatic'] = false;
			}
			if ( isset( $prop['by'] ) ) {
				$block['by'] = $row['by'];
				$block['bywiki'] = $row['bywiki'];
			}
			if ( isset( $prop['timestamp'] ) ) {
				$block['timestamp'] = wfTimestamp( TS_ISO_8601, $row['timestamp'] );
			}
			if ( isset( $prop['expiry'] ) ) {
				$block['expiry'] = ApiResult::formatExpiry( $row['expiry'] );
			}
			if ( isset( $prop['reason'] ) ) {
				$block['reason'] = $row['reason'];
			}
			$data[] = $block;
		}
		$result = $this->getResult();
		$result->setIndexedTagName( $data, 'block' );
		$result->addValue( 'query', $this->getModuleName(), $data );
	}

	/**
	 * Whether a block's target is one of the asked targets: IP addresses as
	 * written, names through their global account (none: no match).
	 * @param string $target
	 * @param string[] $asked
	 * @return bool
	 */
	private function matchesTargets( string $target, array $asked ): bool {
		foreach ( $asked as $name ) {
			if ( IPUtils::isIPAddress( $name ) ) {
				if ( IPUtils::sanitizeIP( $name ) === $target ) {
					return true;
				}
				continue;
			}
			$canonical = mb_strtoupper( mb_substr( $name, 0, 1 ) ) . mb_substr( str_replace( '_', ' ', $name ), 1 );
			if ( $canonical === $target && ( new GlobalAccounts( $canonical ) )->exists() ) {
				return true;
			}
		}
		return false;
	}

	public function getCacheMode( $params ) {
		return 'public';
	}

	public function getAllowedParams() {
		return [
			'start' => [ ParamValidator::PARAM_TYPE => 'timestamp' ],
			'end' => [ ParamValidator::PARAM_TYPE => 'timestamp' ],
			'dir' => [
				ParamValidator::PARAM_TYPE => [ 'newer', 'older' ],
				ParamValidator::PARAM_DEFAULT => 'older',
				ApiBase::PARAM_HELP_MSG => 'api-help-param-direction',
			],
			'ids' => [
				ParamValidator::PARAM_TYPE => 'integer',
				ParamValidator::PARAM_ISMULTI => true,
			],
			'addresses' => [
				ParamValidator::PARAM_ISMULTI => true,
				ParamValidator::PARAM_DEPRECATED => true,
			],
			'targets' => [ ParamValidator::PARAM_ISMULTI => true ],
			'ip' => null,
			'limit' => [
				ParamValidator::PARAM_DEFAULT => 10,
				ParamValidator::PARAM_TYPE => 'limit',
				IntegerDef::PARAM_MIN => 1,
				IntegerDef::PARAM_MAX => ApiBase::LIMIT_BIG1,
				IntegerDef::PARAM_MAX2 => ApiBase::LIMIT_BIG2,
			],
			'prop' => [
				ParamValidator::PARAM_DEFAULT => 'id|target|by|timestamp|expiry|reason',
				ParamValidator::PARAM_TYPE => [ 'id', 'address', 'target', 'by', 'timestamp', 'expiry', 'reason', 'range' ],
				ParamValidator::PARAM_ISMULTI => true,
				ApiBase::PARAM_HELP_MSG_PER_VALUE => [],
				EnumDef::PARAM_DEPRECATED_VALUES => [ 'address' => true ],
			],
		];
	}
}
