<?php
/**
 * TEST-ONLY stand-in for MassMessage's content model "MassMessageListContent".
 *
 * Imitates MassMessage includes/Content/MassMessageListContent.php (commit
 * dd41d82f3dff; same logic at 08d0c52e214e): the page text is JSON
 * {"description": "<wikitext>", "targets": [{"title": "…", "site": "host"},
 * {"title": "…"}]}; it is valid iff description is a string and targets a
 * list of objects that each have a valid "title"; "site" is a bare host, no
 * site = a page of this wiki. getTargetStrings() gives "Title@site" or
 * "Title" (the prop=mmcontent output). Targets whose site is unknown make
 * hasInvalidTargets() true (a warning when the page is viewed).
 */

namespace MediaWiki\Extension\TechrolesStandIns;

use JsonContent;
use Title;

class MassMessageListContent extends JsonContent {
	/** @var string|null */
	protected $description;
	/** @var array[]|null */
	protected $targets;
	/** @var bool */
	protected $decoded = false;

	public function __construct( $text ) {
		parent::__construct( $text, 'MassMessageListContent' );
	}

	public function isValid() {
		$this->decode();
		if ( !is_string( $this->description ) || !is_array( $this->targets ) ) {
			return false;
		}
		foreach ( $this->getTargets() as $target ) {
			if ( !is_array( $target )
				|| !array_key_exists( 'title', $target )
				|| Title::newFromText( $target['title'] ) === null
			) {
				return false;
			}
		}
		return true;
	}

	public function hasInvalidTargets(): bool {
		return count( $this->getTargets() ) !== count( $this->getValidTargets() );
	}

	public function getDescription(): ?string {
		$this->decode();
		return $this->description;
	}

	/** @return array[] */
	public function getTargets(): array {
		$this->decode();
		return is_array( $this->targets ) ? $this->targets : [];
	}

	/** Targets without a site, or on a site this farm knows (MassMessage: DatabaseLookup::getDBName). */
	public function getValidTargets(): array {
		$valid = [];
		foreach ( $this->getTargets() as $target ) {
			if ( !array_key_exists( 'site', $target ) || MassMessageSites::dbnameOf( (string)$target['site'] ) !== null ) {
				$valid[] = $target;
			}
		}
		return $valid;
	}

	/** "Title@site" or "Title" strings, in list order. */
	public function getTargetStrings(): array {
		$strings = [];
		foreach ( $this->getTargets() as $target ) {
			if ( array_key_exists( 'site', $target ) ) {
				$strings[] = $target['title'] . '@' . $target['site'];
			} elseif ( strpos( $target['title'], '@' ) !== false ) {
				// List the site if it'd otherwise be ambiguous (as MassMessage does).
				$strings[] = $target['title'] . '@' . MassMessageSites::baseUrl( $GLOBALS['wgCanonicalServer'] );
			} else {
				$strings[] = $target['title'];
			}
		}
		return $strings;
	}

	protected function decode() {
		if ( $this->decoded ) {
			return;
		}
		$jsonParse = $this->getData();
		$data = $jsonParse->isGood() ? $jsonParse->getValue() : null;
		if ( $data ) {
			$this->description = $data->description ?? null;
			if ( isset( $data->targets ) && is_array( $data->targets ) ) {
				$this->targets = [];
				foreach ( $data->targets as $target ) {
					if ( !is_object( $target ) ) {
						$this->targets = null;
						break;
					}
					$this->targets[] = wfObjectToArray( $target );
				}
			} else {
				$this->targets = null;
			}
		}
		$this->decoded = true;
	}
}
