<?php
/**
 * TEST-ONLY stand-in for MassMessage's MassMessageListContentHandler
 * (includes/Content/MassMessageListContentHandler.php): a JSON content
 * handler for the model "MassMessageListContent" whose empty content is
 * {"description":"","targets":[]}. Saving invalid content is refused by core
 * (JsonContent::isValid() is overridden). The page view is simplified: the
 * parsed description, the "invalid targets" warning, and the targets grouped
 * by site.
 */

namespace MediaWiki\Extension\TechrolesStandIns;

use Content;
use ContentHandler;
use Html;
use JsonContentHandler;
use Language;
use MediaWiki\Content\Renderer\ContentParseParams;
use MediaWiki\MediaWikiServices;
use ParserOutput;
use Title;

class MassMessageListContentHandler extends JsonContentHandler {

	public function __construct( $modelId = 'MassMessageListContent' ) {
		parent::__construct( $modelId );
	}

	public function makeEmptyContent() {
		return new MassMessageListContent( '{"description":"","targets":[]}' );
	}

	protected function getContentClass() {
		return MassMessageListContent::class;
	}

	public function isParserCacheSupported() {
		return true;
	}

	/** As MassMessage: the page/site language, not JsonContentHandler's hard-coded English. */
	public function getPageLanguage( Title $title, Content $content = null ) {
		return ContentHandler::getPageLanguage( $title, $content );
	}

	protected function fillParserOutput(
		Content $content, ContentParseParams $cpoParams, ParserOutput &$output
	) {
		'@phan-var MassMessageListContent $content';
		if ( !$content->isValid() ) {
			parent::fillParserOutput( $content, $cpoParams, $output );
			return;
		}
		$services = MediaWikiServices::getInstance();
		$page = $cpoParams->getPage();
		$output = $services->getParser()->parse(
			$content->getDescription(), $page, $cpoParams->getParserOptions(), true, true, $cpoParams->getRevId()
		);
		$warning = $content->hasInvalidTargets()
			? Html::element( 'p', [ 'class' => 'error' ], wfMessage( 'massmessage-content-invalidtargets' )->text() )
			: '';
		$bySite = [];
		foreach ( $content->getTargets() as $target ) {
			$bySite[$target['site'] ?? 'local'][] = $target['title'];
		}
		$html = Html::element( 'h2', [], wfMessage( 'massmessage-content-pages' )->text() );
		if ( !$bySite ) {
			$html .= Html::element( 'p', [], wfMessage( 'massmessage-content-empty' )->text() );
		}
		$linkRenderer = $services->getLinkRenderer();
		foreach ( $bySite as $site => $titles ) {
			$html .= Html::element( 'p', [], $site === 'local'
				? wfMessage( 'massmessage-content-localpages' )->text()
				: wfMessage( 'massmessage-content-pagesonsite', $site )->text() );
			$items = '';
			foreach ( $titles as $text ) {
				$title = Title::newFromText( $text );
				if ( $site === 'local' && $title ) {
					$output->addLink( $title );
					$link = $linkRenderer->makeLink( $title );
				} else {
					$link = htmlspecialchars( $text );
				}
				$items .= Html::rawElement( 'li', [], $link );
			}
			$html .= Html::rawElement( 'ul', [], $items );
		}
		$output->setText( $warning . Html::rawElement( 'div', [], $output->getRawText() ) . $html );
	}
}
