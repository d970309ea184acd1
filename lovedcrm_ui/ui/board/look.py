"""The board's own stylesheet: stage-tinted column headers, the card's contact lines, and the phone layout.

Kept apart from the frame's shared rules so the board's look is read (and merged) in one place. The phone layout is
CSS only (a media query at 600 px), so a resize costs no round trip to the server: below it the filter bar hides
behind the board's "Filtros" button (``.filters-open`` shows it) and the columns start right under the tools.
"""

from ..theme import DARK_SURFACES, STAGE_COLORS, stage_tint

PHONE_WIDTH = 600  # px: at or below, the filters fold behind one button


def stage_rules() -> str:
    """One header tint, top rule and ink per stage."""
    return ''.join(
        f'.stage-column[data-stage={stage}]{{border-top:4px solid {color}}}'
        f'.stage-column[data-stage={stage}] .stage-head{{background:{stage_tint(color)};color:{ink}}}'
        # dark mode: the colour at 22 % on the dark surface, light text (≥ 9:1)
        f'.body--dark .stage-column[data-stage={stage}] .stage-head'
        f'{{background:{stage_tint(color, 0.22, DARK_SURFACES["dark"])};color:#f1f5f9}}'
        for stage, (color, ink) in STAGE_COLORS.items()
    )


BOARD_CSS = (
    '<style>'
    '.stage-head{border-radius:6px;padding:.25rem .25rem .25rem .5rem}'
    '.stage-head :is(.stage-summary,.stage-weighted){color:#374151}'
    '.body--dark .stage-head :is(.stage-summary,.stage-weighted){color:#cbd5e1}'
    + stage_rules()
    + '.lead-email{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:.8rem;'
    'color:var(--lc-link);text-decoration:none;overflow-wrap:normal}'
    '.lead-acts{display:flex;gap:.25rem .6rem;flex-wrap:wrap;font-size:.8rem;align-items:center;color:var(--lc-ink2)}'
    '.lead-act{display:inline-flex;gap:.2rem;align-items:center;color:var(--q-primary);text-decoration:none;'
    'font-weight:500}'
    '.lead-act:hover,.lead-email:hover{text-decoration:underline}'
    '.lead-act .q-icon{font-size:1rem}'
    '.q-btn.filters-toggle{display:none}'
    f'@media (max-width:{PHONE_WIDTH}px){{'
    '.q-btn.filters-toggle{display:inline-flex}'
    '.filter-bar:not(.filters-open){display:none}'
    '.filter-bar>*{flex:1 1 100%}'
    # the label read but not shown (Quasar's .block{display:block!important} sits in a cascade layer: it outranks ours)
    '.tool-text .q-btn__content>:not(.q-icon){position:absolute;width:1px;height:1px;overflow:hidden;'
    'clip:rect(0,0,0,0);white-space:nowrap}'
    '.stage-column{max-height:calc(100vh - 150px)}'
    '}'
    '</style>'
)
