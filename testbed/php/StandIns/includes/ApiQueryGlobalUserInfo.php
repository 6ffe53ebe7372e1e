<?php
/**
 * TEST-ONLY stand-in for CentralAuth's meta=globaluserinfo.
 *
 * Imitates CentralAuth includes/Api/ApiQueryGlobalUserInfo.php (commit
 * 89c06419de35; same shape at 19484aa5f94d):
 * - parameters (prefix "gui"): user (type user: names, interwiki), id
 *   (integer), prop (multi: groups|rights|merged|unattached|editcount);
 *   neither user nor id = the requesting user;
 * - base keys home, id, registration (ISO 8601), name, then locked: true and
 *   hidden: true when so; a name without a global account, or a hidden one
 *   (unless the reader has the right centralauth-suppress), gives only
 *   {missing: true} (formatversion=1: "missing": "");
 * - groups (global groups), rights (global rights);
 * - merged[]: {wiki (dbname), url (canonical server), id (local user id),
 *   timestamp (attach time, ISO), method (primary|empty|mail|password|admin|
 *   new|login), editcount (int), registration (ISO), groups (only when the
 *   local account has groups), blocked {expiry (ISO or "infinity"), reason}
 *   (only when blocked there and the block is not hidden)};
 * - editcount: sum of the merged accounts' edit counts;
 * - unattached[]: {wiki, editcount, registration, groups?, blocked?}; as in
 *   the real module editcount is not converted to an integer there (a string,
 *   as the database returns it), and it is answered even for a missing user;
 * - unknown guiid dies with apierror-invaliduserid ("invaliduserid"), an
 *   invalid name with apierror-invaliduser ("invaliduser").
 *
 * The "global" accounts here: a name has a global account when a local
 * account of that name exists on any farm wiki (the serving one included),
 * read from each wiki's sqlite file. Those local accounts are the merged
 * ones, except the wikis the data file lists as unattached. home = the data
 * file's override, else the wiki of the earliest local registration; id =
 * the override, else a stable number derived from the name; registration =
 * the override, else the earliest local registration; locked, hidden,
 * global groups and rights come from the data file (schema in README.md).
 */

namespace MediaWiki\Extension\TechrolesStandIns;

use ApiBase;
use ApiQuery;
use ApiQueryBase;
use MediaWiki\User\UserNameUtils;
use Wikimedia\ParamValidator\ParamValidator;

class ApiQueryGlobalUserInfo extends ApiQueryBase {

	/** @var UserNameUtils */
	private $userNameUtils;

	public function __construct( ApiQuery $query, string $moduleName, UserNameUtils $userNameUtils ) {
		parent::__construct( $query, $moduleName, 'gui' );
		$this->userNameUtils = $userNameUtils;
	}

	public function execute() {
		$params = $this->extractRequestParams();
		$prop = array_flip( (array)$params['prop'] );
		if ( $params['user'] === null && $params['id'] === null ) {
			$params['user'] = $this->getUser()->getName();
		}

		if ( $params['user'] === null ) {
			$user = GlobalAccounts::newFromId( (int)$params['id'] );
			if ( $user === null ) {
				$this->dieWithError( [ 'apierror-invaliduserid', wfEscapeWikiText( $params['id'] ) ] );
			}
		} else {
			$username = $this->userNameUtils->getCanonical( $params['user'] );
			if ( $username === false ) {
				$this->dieWithError( [ 'apierror-invaliduser', wfEscapeWikiText( $params['user'] ) ] );
			}
			$user = new GlobalAccounts( $username );
		}

		$result = $this->getResult();
		$module = $this->getModuleName();
		$data = [];
		$userExists = $user->exists();

		if ( $userExists && ( !$user->isHidden() || $this->getAuthority()->isAllowed( 'centralauth-suppress' ) ) ) {
			$data['home'] = $user->getHomeWiki();
			$data['id'] = $user->getId();
			$data['registration'] = wfTimestamp( TS_ISO_8601, $user->getRegistration() );
			$data['name'] = $user->getName();
			if ( $user->isLocked() ) {
				$data['locked'] = true;
			}
			if ( $user->isHidden() ) {
				$data['hidden'] = true;
			}
		} else {
			$data['missing'] = true;
			$userExists = false;
		}
		$result->addValue( 'query', $module, $data );

		if ( $userExists && isset( $prop['groups'] ) ) {
			$groups = $user->getGlobalGroups();
			$result->setIndexedTagName( $groups, 'g' );
			$result->addValue( [ 'query', $module ], 'groups', $groups );
		}

		if ( $userExists && isset( $prop['rights'] ) ) {
			$rights = $user->getGlobalRights();
			$result->setIndexedTagName( $rights, 'r' );
			$result->addValue( [ 'query', $module ], 'rights', $rights );
		}

		if ( $userExists && isset( $prop['merged'] ) ) {
			foreach ( $user->queryAttached() as $account ) {
				$a = [
					'wiki' => $account['wiki'],
					'url' => $account['url'],
					'id' => intval( $account['id'] ),
					'timestamp' => wfTimestamp( TS_ISO_8601, $account['attachedTimestamp'] ),
					'method' => $account['attachedMethod'],
					'editcount' => intval( $account['editCount'] ),
					'registration' => wfTimestamp( TS_ISO_8601, $account['registration'] ),
				];
				if ( $account['groups'] ) {
					$a['groups'] = $account['groups'];
					$result->setIndexedTagName( $a['groups'], 'group' );
				}
				if ( $account['blocked'] && !$account['block-hideblock'] ) {
					$a['blocked'] = [
						'expiry' => $this->getLanguage()->formatExpiry( $account['block-expiry'], TS_ISO_8601 ),
						'reason' => $account['block-reason'],
					];
				}
				$result->addValue( [ 'query', $module, 'merged' ], null, $a );
			}
			$result->addIndexedTagName( [ 'query', $module, 'merged' ], 'account' );
		}

		if ( $userExists && isset( $prop['editcount'] ) ) {
			$result->addValue( 'query', $module, [ 'editcount' => $user->getGlobalEditCount() ] );
		}

		if ( isset( $prop['unattached'] ) ) {
			foreach ( $user->queryUnattached() as $account ) {
				$a = [
					'wiki' => $account['wiki'],
					'editcount' => $account['editCount'],
					'registration' => wfTimestamp( TS_ISO_8601, $account['registration'] ),
				];
				if ( $account['groups'] ) {
					$a['groups'] = $account['groups'];
					$result->setIndexedTagName( $a['groups'], 'group' );
				}
				if ( $account['blocked'] && !$account['block-hideblock'] ) {
					$a['blocked'] = [
						'expiry' => $this->getLanguage()->formatExpiry( $account['block-expiry'], TS_ISO_8601 ),
						'reason' => $account['block-reason'],
					];
				}
				$result->addValue( [ 'query', $module, 'unattached' ], null, $a );
			}
			$result->addIndexedTagName( [ 'query', $module, 'unattached' ], 'account' );
		}
	}

	public function getCacheMode( $params ) {
		return ( $params['user'] !== null || $params['id'] !== null ) ? 'public' : 'private';
	}

	public function getAllowedParams() {
		return [
			'user' => [
				ParamValidator::PARAM_TYPE => 'user',
				// CentralAuth also allows 'temp' (temporary accounts); MediaWiki 1.39's UserDef has no such type.
				\MediaWiki\ParamValidator\TypeDef\UserDef::PARAM_ALLOWED_USER_TYPES => [ 'name', 'interwiki' ],
			],
			'id' => [
				ParamValidator::PARAM_TYPE => 'integer',
			],
			'prop' => [
				ParamValidator::PARAM_TYPE => [ 'groups', 'rights', 'merged', 'unattached', 'editcount' ],
				ParamValidator::PARAM_ISMULTI => true,
				ApiBase::PARAM_HELP_MSG_PER_VALUE => [],
			],
		];
	}

	protected function getExamplesMessages() {
		return [
			'action=query&meta=globaluserinfo' => 'apihelp-query+globaluserinfo-example-1',
			'action=query&meta=globaluserinfo&guiuser=Example&guiprop=groups|merged|unattached'
				=> 'apihelp-query+globaluserinfo-example-2',
		];
	}
}
