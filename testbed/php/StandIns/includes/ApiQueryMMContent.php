<?php
/**
 * TEST-ONLY stand-in for MassMessage's prop=mmcontent.
 *
 * Imitates MassMessage includes/Api/ApiQueryMMContent.php: no parameters;
 * for each existing page of the page set,
 * query.pages[<pageid>].mmcontent = {description, targets: ["Title@site" |
 * "Title", …]}; if any such page is not a MassMessageListContent page the
 * request dies with apierror-massmessage-invalidspamlist (code
 * "invalidspamlist", "The specified spamlist is invalid.").
 */

namespace MediaWiki\Extension\TechrolesStandIns;

use ApiQueryBase;
use MediaWiki\MediaWikiServices;
use Title;

class ApiQueryMMContent extends ApiQueryBase {

	public function execute() {
		$pageSet = $this->getPageSet();
		$pageids = array_keys( $pageSet->getGoodTitles() );
		if ( !$pageids ) {
			return true;
		}
		$spamlists = [];
		foreach ( $pageids as $pageid ) {
			$spamlist = Title::newFromID( $pageid );
			if ( $spamlist === null
				|| !$spamlist->exists()
				|| !$spamlist->hasContentModel( 'MassMessageListContent' )
			) {
				$this->dieWithError( 'apierror-massmessage-invalidspamlist', 'invalidspamlist' );
			}
			$spamlists[$pageid] = $spamlist;
		}
		$result = $this->getResult();
		$wikiPageFactory = MediaWikiServices::getInstance()->getWikiPageFactory();
		foreach ( $spamlists as $pageid => $spamlist ) {
			$content = $wikiPageFactory->newFromTitle( $spamlist )->getContent();
			if ( !$content instanceof MassMessageListContent ) {
				$this->dieWithError( 'apierror-massmessage-invalidspamlist', 'invalidspamlist' );
			}
			$result->addValue( [ 'query', 'pages', $pageid, 'mmcontent' ], 'description',
				$content->getDescription() );
			$result->addValue( [ 'query', 'pages', $pageid, 'mmcontent' ], 'targets',
				$content->getTargetStrings() );
		}
		return true;
	}

	public function getCacheMode( $params ) {
		return 'public';
	}

	public function getAllowedParams() {
		return [];
	}

	protected function getExamplesMessages() {
		return [
			'action=query&prop=info|mmcontent&titles=Spam%20list' => 'apihelp-query+mmcontent-example-1',
		];
	}
}
