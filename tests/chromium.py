"""The one Chromium launcher: Debian's headless Chromium and chromedriver (nothing is ever downloaded).

Used by the browser tests (tests/browser), ``bench/board_bench.py`` and ``docs/make_screenshot.py``.
"""

import os
from pathlib import Path

from selenium import webdriver

CHROMIUM = os.environ.get('CHROME_BINARY_LOCATION', '/usr/bin/chromium')  # the variables .ci/run sets
CHROMEDRIVER = os.environ.get('SE_CHROMEDRIVER', '/usr/bin/chromedriver')
CHROMIUM_ARGS = (
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
)


def chromium(user_data_dir: Path | str, *, width: int, height: int, phone: bool = False) -> webdriver.Chrome:
    """Headless Debian Chromium driven by Debian's chromedriver.

    ``phone=True`` emulates a touch phone of that viewport size (a plain window cannot be narrower
    than 500 px in headless Chromium).
    """
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.add_argument(f'--user-data-dir={user_data_dir}')
    if phone:
        metrics = {'width': width, 'height': height, 'pixelRatio': 3.0, 'touch': True, 'mobile': True}
        options.add_experimental_option('mobileEmulation', {'deviceMetrics': metrics})
    else:
        options.add_argument(f'--window-size={width},{height}')
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    return webdriver.Chrome(options=options, service=service)
