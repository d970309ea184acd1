"""Tokens in WebSocket URLs never reach the logs."""

import logging

from lovedcrm_ui.logs import RedactTokens, install_token_redaction


def test_access_log_lines_lose_their_tokens(caplog):
    install_token_redaction()
    logger = logging.getLogger('uvicorn.error')
    with caplog.at_level(logging.INFO, logger='uvicorn.error'):
        logger.info('%s - "WebSocket %s" [accepted]', '127.0.0.1:5000', '/ws/pipeline?token=eyJabc.def&org_id=42')
        logging.getLogger('uvicorn.access').info(
            '%s - "%s %s HTTP/%s" %d', '127.0.0.1:5000', 'GET', '/x?refresh_token=r1&token=t2', '1.1', 200
        )
    text = caplog.text
    assert 'eyJabc' not in text and 'r1' not in text and 't2' not in text
    assert '/ws/pipeline?token=[redacted]&org_id=42' in text


def test_filter_is_installed_once():
    install_token_redaction()
    install_token_redaction()
    assert sum(isinstance(f, RedactTokens) for f in logging.getLogger('uvicorn.access').filters) == 1
