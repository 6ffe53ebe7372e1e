<?php
/**
 * Apply a list of fixture operations to one test-bed wiki in a single PHP
 * process (a maintenance script costs ~0.3 s to start; fixtures need dozens).
 *
 *   MW_CONFIG_FILE=…/LocalSettings.php php seed.php OPS.json
 *
 * OPS.json is a JSON list of {"op": …} objects; see testbed/seed.py
 * for the Python side that writes them. Test bed only, never production.
 */

use MediaWiki\MediaWikiServices;

$IP = getenv( 'MW_INSTALL_PATH' ) ?: '/usr/share/mediawiki';
require_once "$IP/maintenance/Maintenance.php";

class TechrolesSeed extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addDescription( 'Apply techroles test-bed fixture operations' );
		$this->addArg( 'file', 'JSON list of operations', true );
	}

	private function user( string $name ): User {
		$user = User::newFromName( $name );
		if ( !$user || !$user->isRegistered() ) {
			$this->fatalError( "seed: no such user '$name'" );
		}
		return $user;
	}

	public function execute() {
		$ops = json_decode( file_get_contents( $this->getArg( 0 ) ), true );
		if ( !is_array( $ops ) ) {
			$this->fatalError( 'seed: the file is not a JSON list' );
		}
		$services = MediaWikiServices::getInstance();
		foreach ( $ops as $i => $op ) {
			$kind = $op['op'] ?? '';
			switch ( $kind ) {
				case 'create_user':
					$user = User::newFromName( $op['name'] );
					if ( !$user ) {
						$this->fatalError( "seed: invalid user name '{$op['name']}'" );
					}
					if ( !$user->isRegistered() ) {
						$user->addToDatabase();
					}
					if ( isset( $op['password'] ) ) {
						$status = $user->changeAuthenticationData( [
							'username' => $user->getName(),
							'password' => $op['password'],
							'retype' => $op['password'],
						] );
						if ( !$status->isGood() ) {
							$this->fatalError( "seed: password for '{$op['name']}' failed" );
						}
					}
					foreach ( $op['groups'] ?? [] as $group ) {
						$services->getUserGroupManager()->addUserToGroup( $user, $group );
					}
					if ( isset( $op['email'] ) ) {
						$user->setEmail( $op['email'] );
						if ( $op['email_authenticated'] ?? true ) {
							$user->confirmEmail();
						}
						$user->saveSettings();
					}
					break;

				case 'bot_password':
					$user = $this->user( $op['user'] );
					$bp = BotPassword::newUnsaved( [
						'user' => $user,
						'appId' => $op['appid'],
						'grants' => $op['grants'],
					] );
					$password = $services->getPasswordFactory()->newFromPlaintext( $op['password'] );
					$status = $bp->save( 'insert', $password );
					if ( !$status->isGood() ) {
						$this->fatalError( "seed: bot password for '{$op['user']}' failed" );
					}
					break;

				case 'block':
					$target = $op['target'];
					$performer = $this->user( $op['performer'] );
					$restrictions = [];
					foreach ( $op['pages'] ?? [] as $title ) {
						$t = Title::newFromText( $title );
						$restrictions[] = new \MediaWiki\Block\Restriction\PageRestriction( 0, $t->getArticleID() );
					}
					foreach ( $op['namespaces'] ?? [] as $ns ) {
						$restrictions[] = new \MediaWiki\Block\Restriction\NamespaceRestriction( 0, (int)$ns );
					}
					$block = $services->getBlockUserFactory()->newBlockUser(
						$target, $performer, $op['expiry'] ?? 'infinite',
						$op['reason'] ?? 'test bed',
						[ 'isPartial' => (bool)$restrictions, 'isHideUser' => !empty( $op['hidename'] ) ],
						$restrictions
					);
					$status = $block->placeBlockUnsafe();
					if ( !$status->isOK() ) {
						$this->fatalError( "seed: block of '$target' failed: " . $status->getWikiText() );
					}
					break;

				case 'rename':
					$old = $this->user( $op['old'] );
					$performer = $this->user( $op['performer'] );
					$job = new \MediaWiki\Extension\Renameuser\RenameuserSQL( $old->getName(), $op['new'], $old->getId(), $performer,
						[ 'reason' => $op['reason'] ?? 'test bed' ] );
					if ( !$job->rename() ) {
						$this->fatalError( "seed: rename of '{$op['old']}' failed" );
					}
					break;

				case 'protect':
					$title = Title::newFromText( $op['title'] );
					$page = $services->getWikiPageFactory()->newFromTitle( $title );
					$cascade = false;
					$status = $page->doUpdateRestrictions(
						[ 'edit' => $op['edit'] ?? 'sysop', 'move' => $op['move'] ?? 'sysop' ],
						[ 'edit' => 'infinity', 'move' => 'infinity' ],
						$cascade, $op['reason'] ?? 'test bed', $this->user( $op['performer'] )
					);
					if ( !$status->isOK() ) {
						$this->fatalError( "seed: protecting '{$op['title']}' failed" );
					}
					break;

				case 'log':
					$entry = new ManualLogEntry( $op['type'], $op['action'] );
					$entry->setPerformer( $this->user( $op['performer'] ) );
					$entry->setTarget( Title::newFromText( $op['title'] ) );
					$entry->setTimestamp( wfTimestamp( TS_MW, $op['timestamp'] ) );
					$entry->setComment( $op['comment'] ?? '' );
					$entry->setParameters( $op['params'] ?? [] );
					$entry->insert();
					break;

				case 'sql':
					$dbw = $services->getDBLoadBalancer()->getConnection( DB_PRIMARY );
					$dbw->query( $op['query'], __METHOD__ );
					break;

				default:
					$this->fatalError( "seed: unknown operation #$i '$kind'" );
			}
		}
		$this->output( 'seed: ' . count( $ops ) . " operations\n" );
	}
}

$maintClass = TechrolesSeed::class;
require_once RUN_MAINTENANCE_IF_MAIN;
