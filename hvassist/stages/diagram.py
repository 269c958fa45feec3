"""What the explainer's diagram shows at any point of a flow (plain Python; the GUI only draws it).

The diagram state is which artifacts (files, snapshots) are visible, which actors are frozen and
which artifact is plugged into which actor. It starts from the flow's ``start_artifacts`` and
changes with every beat, so the state at the start of a stage is what all earlier beats left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hvassist.stages.model import Beat, Flow, StageView, Variant, get_flow


@dataclass(frozen=True)
class DiagramState:
    visible: frozenset[str] = frozenset()
    frozen: frozenset[str] = frozenset()
    attached: tuple[tuple[str, str], ...] = ()  # (artifact, actor), sorted
    merged: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # last beat's merges (for drawing)

    def attached_to(self, artifact: str) -> str | None:
        return dict(self.attached).get(artifact)

    def apply(self, beat: Beat) -> DiagramState:
        visible = set(self.visible) | set(beat.show)
        visible -= set(beat.hide)
        visible -= {a for a, _ in beat.merge}
        frozen = (set(self.frozen) | set(beat.freeze)) - set(beat.thaw)
        attached = dict(self.attached)
        attached.update(dict(beat.attach))
        for a in beat.detach:
            attached.pop(a, None)
        for a in list(attached):
            if a not in visible:
                attached.pop(a)
        return DiagramState(
            frozenset(visible), frozenset(frozen), tuple(sorted(attached.items())), tuple(beat.merge)
        )


def stage_views(flow: Flow | str, variant: Variant | None = None) -> tuple[StageView, ...]:
    f = get_flow(flow) if isinstance(flow, str) else flow
    return tuple(s.view(variant) for s in f.stages)


def state_before(
    flow: Flow | str, stage_index: int, beat_index: int = 0, variant: Variant | None = None
) -> DiagramState:
    """The state just before beat ``beat_index`` of stage ``stage_index`` (0-based)."""
    f = get_flow(flow) if isinstance(flow, str) else flow
    state = DiagramState(visible=frozenset(f.start_artifacts))
    views = stage_views(f, variant)
    for i, view in enumerate(views):
        for j, beat in enumerate(view.beats):
            if (i, j) >= (stage_index, beat_index):
                return state
            state = state.apply(beat)
    return state


def state_after(flow: Flow | str, stage_index: int, variant: Variant | None = None) -> DiagramState:
    """The state at the end of a stage."""
    f = get_flow(flow) if isinstance(flow, str) else flow
    return (
        state_before(f, stage_index + 1, 0, variant)
        if stage_index + 1 < len(f.stages)
        else state_before(f, len(f.stages), 0, variant)
    )
