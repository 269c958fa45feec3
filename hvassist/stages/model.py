"""The stages of a host-level Hyper-V backup, as data (``resources/stages/*.toml``).

Two flows: ``2012r2`` (host VSS driven, Windows Server 2012 R2) and ``2016`` (WMI checkpoints
with Resilient Change Tracking, Windows Server 2016 and later). Stage ids are stable: cause
texts (``hvassist.kb``), the tracker, replays and the explainer all use them.

A stage's text and diagram can differ by *variant*: the VSS provider (``software`` or
``hardware``) and where the data is read (``on-host`` or ``off-host``). ``Stage.view(variant)``
gives the stage as seen in one variant.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from hvassist.resources import resource_path

FLOW_IDS = ("2012r2", "2016")
PROVIDERS = ("software", "hardware")
PROXIES = ("on-host", "off-host")
OBSERVE_PLACES = (
    "hyperv-manager",
    "powershell",
    "files",
    "vssadmin",
    "event-log",
    "guest",
    "san",
    "backup-app",
)
OBSERVE_PLACE_NAMES = {
    "hyperv-manager": "Hyper-V Manager",
    "powershell": "PowerShell",
    "files": "Files on the host",
    "vssadmin": "vssadmin",
    "event-log": "Event log (host)",
    "guest": "Inside the VM",
    "san": "SAN console",
    "backup-app": "Backup application",
}

Provider = Literal["software", "hardware"]
Proxy = Literal["on-host", "off-host"]


class StageDataError(ValueError):
    """A stage file is not valid; the message names the file and the place."""


@dataclass(frozen=True)
class Variant:
    """Which provider makes the volume snapshot and where the backup data is read."""

    provider: Provider = "software"
    proxy: Proxy = "on-host"

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS or self.proxy not in PROXIES:
            raise ValueError(f"unknown variant {self.provider}/{self.proxy}")

    @property
    def keys(self) -> tuple[str, str]:
        return (self.provider, self.proxy)

    def effective(self) -> Variant:
        """An off-host backup needs a transportable snapshot, which only a hardware provider makes."""
        if self.proxy == "off-host" and self.provider != "hardware":
            return Variant("hardware", "off-host")
        return self


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    technical: str
    role: str
    short: str = ""  # the diagram's label


@dataclass(frozen=True)
class Artifact:
    id: str
    name: str
    home: str  # actor id it is drawn in
    description: str


@dataclass(frozen=True)
class Observable:
    where: str  # one of OBSERVE_PLACES
    text: str
    when: str = ""  # variant key, "" = always

    @property
    def place_name(self) -> str:
        return OBSERVE_PLACE_NAMES[self.where]


@dataclass(frozen=True)
class Beat:
    """One message of the diagram's animation and what changes with it."""

    source: str
    target: str
    label: str
    show: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    freeze: tuple[str, ...] = ()
    thaw: tuple[str, ...] = ()
    merge: tuple[tuple[str, str], ...] = ()  # (artifact, into artifact)
    attach: tuple[tuple[str, str], ...] = ()  # (artifact, actor)
    detach: tuple[str, ...] = ()
    when: str = ""


@dataclass(frozen=True)
class FailurePoint:
    """Where in a stage a known cause makes it fail: the beat (0-based) and the actor at fault."""

    cause: str
    beat: int
    actor: str
    note: str = ""


@dataclass(frozen=True)
class StageVariantText:
    what: str = ""
    actors: tuple[str, ...] = ()


@dataclass(frozen=True)
class StageView:
    """A stage as seen in one variant: the text and the beats that apply."""

    stage: Stage
    variant: Variant
    what: str
    actors: tuple[str, ...]
    observe: tuple[Observable, ...]
    beats: tuple[Beat, ...]


@dataclass(frozen=True)
class Stage:
    id: str
    flow: str
    index: int  # 0-based position in its flow
    title: str
    technical: str
    what: str
    actors: tuple[str, ...]
    observe: tuple[Observable, ...]
    duration: str
    failure: str
    causes: tuple[str, ...]
    beats: tuple[Beat, ...]
    writer_state: int | None = None  # the Hyper-V writer's vssadmin state during the stage (2012 R2)
    failure_points: tuple[FailurePoint, ...] = ()
    variants: dict[str, StageVariantText] = field(default_factory=dict, compare=False, hash=False)

    @property
    def number(self) -> int:
        return self.index + 1

    def failure_point(self, cause: str | None) -> FailurePoint | None:
        return next((f for f in self.failure_points if f.cause == cause), None)

    def view(self, variant: Variant | None = None) -> StageView:
        v = (variant or Variant()).effective()
        keys = v.keys
        what = self.what
        actors = list(self.actors)
        for key in keys:
            extra = self.variants.get(key)
            if extra is None:
                continue
            if extra.what:
                what = what + "\n\n" + extra.what
            actors += [a for a in extra.actors if a not in actors]
        observe = tuple(o for o in self.observe if not o.when or o.when in keys)
        beats = tuple(b for b in self.beats if not b.when or b.when in keys)
        for b in beats:
            for a in (b.source, b.target):
                if a not in actors:
                    actors.append(a)
        return StageView(self, v, what, tuple(actors), observe, beats)


@dataclass(frozen=True)
class Flow:
    id: str
    title: str
    long_title: str
    summary: str
    actors: tuple[str, ...]
    start_artifacts: tuple[str, ...]
    stages: tuple[Stage, ...]

    @property
    def stage_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages)

    def stage(self, stage_id: str) -> Stage:
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise KeyError(f"flow {self.id} has no stage {stage_id!r}")

    def actors_for(self, variant: Variant | None = None) -> tuple[str, ...]:
        """The actors drawn for this flow: the proxy only in an off-host backup."""
        v = (variant or Variant()).effective()
        return tuple(a for a in self.actors if a != "offhost-proxy" or v.proxy == "off-host")


@dataclass(frozen=True)
class Catalogue:
    actors: dict[str, Actor]
    artifacts: dict[str, Artifact]
    flows: dict[str, Flow]


# -- loading ----------------------------------------------------------------------------------------
def _strs(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise StageDataError(f"{where}: expected a list of texts")
    return tuple(value)


def _pairs(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise StageDataError(f"{where}: expected a list of pairs")
    out = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(v, str) for v in item)):
            raise StageDataError(f"{where}: expected [name, name] pairs")
        out.append((item[0], item[1]))
    return tuple(out)


def _text(data: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise StageDataError(f"{where}: {key!r} must be a non-empty text")
    return " ".join(value.split()) if "\n" in value else value.strip()


_BEAT_KEYS = {"from", "to", "label", "show", "hide", "freeze", "thaw", "merge", "attach", "detach", "when"}
_STAGE_KEYS = {
    "id",
    "title",
    "technical",
    "actors",
    "writer_state",
    "duration",
    "what",
    "failure",
    "causes",
    "observe",
    "beats",
    "variants",
    "failure_points",
}


def _beat(data: dict[str, Any], where: str) -> Beat:
    unknown = set(data) - _BEAT_KEYS
    if unknown:
        raise StageDataError("{}: unknown key(s) {}".format(where, ", ".join(sorted(unknown))))
    return Beat(
        source=_text(data, "from", where),
        target=_text(data, "to", where),
        label=_text(data, "label", where),
        show=_strs(data.get("show", []), where + ".show"),
        hide=_strs(data.get("hide", []), where + ".hide"),
        freeze=_strs(data.get("freeze", []), where + ".freeze"),
        thaw=_strs(data.get("thaw", []), where + ".thaw"),
        merge=_pairs(data.get("merge", []), where + ".merge"),
        attach=_pairs(data.get("attach", []), where + ".attach"),
        detach=_strs(data.get("detach", []), where + ".detach"),
        when=_text(data, "when", where, required=False),
    )


def _stage(data: dict[str, Any], flow: str, index: int, where: str) -> Stage:
    unknown = set(data) - _STAGE_KEYS
    if unknown:
        raise StageDataError("{}: unknown key(s) {}".format(where, ", ".join(sorted(unknown))))
    observe = tuple(
        Observable(_text(o, "where", where), _text(o, "text", where), _text(o, "when", where, False))
        for o in data.get("observe", [])
    )
    variants = {}
    for key, value in data.get("variants", {}).items():
        variants[key] = StageVariantText(
            _text(value, "what", where, False), _strs(value.get("actors", []), f"{where}.variants.{key}")
        )
    writer_state = data.get("writer_state")
    if writer_state is not None and not isinstance(writer_state, int):
        raise StageDataError(f"{where}: writer_state must be a whole number")
    return Stage(
        id=_text(data, "id", where),
        flow=flow,
        index=index,
        title=_text(data, "title", where),
        technical=_text(data, "technical", where),
        what=_text(data, "what", where),
        actors=_strs(data.get("actors"), where + ".actors"),
        observe=observe,
        duration=_text(data, "duration", where),
        failure=_text(data, "failure", where),
        causes=_strs(data.get("causes", []), where + ".causes"),
        beats=tuple(_beat(b, f"{where}.beats[{i}]") for i, b in enumerate(data.get("beats", []))),
        writer_state=writer_state,
        failure_points=tuple(
            FailurePoint(str(f["cause"]), int(f["beat"]) - 1, str(f["actor"]), str(f.get("note", "")))
            for f in data.get("failure_points", [])
        ),
        variants=variants,
    )


def _load_toml(name: str) -> dict[str, Any]:
    path = resource_path("stages", name)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise StageDataError(f"{name}: not valid TOML: {e}") from None


def _check(cat: Catalogue) -> None:
    """Cross-references: actors, artifacts, variant keys and observation places must exist."""
    variant_keys = set(PROVIDERS) | set(PROXIES)
    for flow in cat.flows.values():
        for a in flow.actors:
            if a not in cat.actors:
                raise StageDataError(f"flow {flow.id}: unknown actor {a!r}")
        for s in flow.stages:
            where = f"{flow.id}/{s.id}"
            for a in s.actors + tuple(a for v in s.variants.values() for a in v.actors):
                if a not in flow.actors:
                    raise StageDataError(f"{where}: actor {a!r} is not an actor of the flow")
            for fp in s.failure_points:
                if fp.actor not in flow.actors or not 0 <= fp.beat < len(s.beats) or fp.cause not in s.causes:
                    raise StageDataError(f"{where}: bad failure point for {fp.cause!r}")
            for key in s.variants:
                if key not in variant_keys:
                    raise StageDataError(f"{where}: unknown variant {key!r}")
            for o in s.observe:
                if o.where not in OBSERVE_PLACES or (o.when and o.when not in variant_keys):
                    raise StageDataError(f"{where}: bad observation place {o.where!r}/{o.when!r}")
            for b in s.beats:
                if b.source not in flow.actors or b.target not in flow.actors:
                    raise StageDataError(f"{where}: beat {b.label!r} names an unknown actor")
                if b.when and b.when not in variant_keys:
                    raise StageDataError(f"{where}: beat {b.label!r} has unknown condition {b.when!r}")
                names = (
                    b.show
                    + b.hide
                    + b.detach
                    + tuple(x for pair in b.merge for x in pair)
                    + tuple(p[0] for p in b.attach)
                )
                for n in names:
                    if n not in cat.artifacts:
                        raise StageDataError(f"{where}: beat {b.label!r} names unknown artifact {n!r}")
                for _, actor in b.attach:
                    if actor not in flow.actors:
                        raise StageDataError(f"{where}: beat {b.label!r} attaches to unknown actor {actor!r}")
                for a in b.freeze + b.thaw:
                    if a not in flow.actors:
                        raise StageDataError(f"{where}: beat {b.label!r} freezes unknown actor {a!r}")
    seen: dict[str, str] = {}
    for flow in cat.flows.values():
        for s in flow.stages:
            if s.id in seen:
                raise StageDataError(f"stage id {s.id!r} is used by flows {seen[s.id]} and {flow.id}")
            seen[s.id] = flow.id


@cache
def catalogue() -> Catalogue:
    data = _load_toml("actors.toml")
    actors = {
        a["id"]: Actor(a["id"], a["name"], a["technical"], a["role"], a.get("short", a["name"]))
        for a in data["actors"]
    }
    artifacts = {
        a["id"]: Artifact(a["id"], a["name"], a["home"], a["description"]) for a in data["artifacts"]
    }
    flows: dict[str, Flow] = {}
    for flow_id in FLOW_IDS:
        raw = _load_toml(flow_id + ".toml")
        if raw.get("id") != flow_id:
            raise StageDataError(f"{flow_id}.toml: id must be {flow_id!r}")
        stages = tuple(
            _stage(s, flow_id, i, f"{flow_id}.toml stages[{i}]") for i, s in enumerate(raw.get("stages", []))
        )
        flows[flow_id] = Flow(
            flow_id,
            _text(raw, "title", flow_id),
            _text(raw, "long_title", flow_id),
            _text(raw, "summary", flow_id),
            _strs(raw.get("actors"), flow_id + ".actors"),
            _strs(raw.get("start_artifacts", []), flow_id + ".start_artifacts"),
            stages,
        )
    cat = Catalogue(actors, artifacts, flows)
    _check(cat)
    return cat


# -- queries ----------------------------------------------------------------------------------------
def flows() -> tuple[Flow, ...]:
    return tuple(catalogue().flows[f] for f in FLOW_IDS)


def get_flow(flow_id: str) -> Flow:
    try:
        return catalogue().flows[flow_id]
    except KeyError:
        raise KeyError("no backup flow {!r} (known: {})".format(flow_id, ", ".join(FLOW_IDS))) from None


def get_stage(stage_id: str) -> Stage:
    for flow in flows():
        for s in flow.stages:
            if s.id == stage_id:
                return s
    raise KeyError(f"no backup stage {stage_id!r}")


def flow_of_stage(stage_id: str) -> Flow:
    return get_flow(get_stage(stage_id).flow)


def all_stage_ids() -> tuple[str, ...]:
    return tuple(s.id for f in flows() for s in f.stages)


def get_actor(actor_id: str) -> Actor:
    return catalogue().actors[actor_id]


def get_artifact(artifact_id: str) -> Artifact:
    return catalogue().artifacts[artifact_id]


def stages_for_cause(cause_id: str) -> tuple[Stage, ...]:
    """Where a cause makes a backup fail (or degrade), from the stage files and the cause texts."""
    found = [s for f in flows() for s in f.stages if cause_id in s.causes]
    for stage_id in _kb_stages(cause_id):
        s = get_stage(stage_id)
        if s not in found:
            found.append(s)
    return tuple(found)


def causes_for_stage(stage_id: str) -> tuple[str, ...]:
    """The cause ids that fail at a stage: the stage file's list plus cause texts naming the stage."""
    stage = get_stage(stage_id)
    out = list(stage.causes)
    try:
        from hvassist.kb import all_causes

        texts = all_causes()
    except (OSError, ValueError, KeyError):  # no cause texts shipped: the stage file alone
        texts = {}
    for cid, text in texts.items():
        if stage_id in text.stages and cid not in out:
            out.append(cid)
    return tuple(out)


def _kb_stages(cause_id: str) -> tuple[str, ...]:
    try:
        from hvassist.kb import all_causes

        text = all_causes().get(cause_id)
    except (OSError, ValueError, KeyError):
        return ()
    return tuple(s for s in (text.stages if text else ()) if s in all_stage_ids())


def cause_title(cause_id: str) -> str:
    """The cause's plain title from the knowledge texts, or its id when no text is shipped."""
    try:
        from hvassist.kb import cause

        return cause(cause_id).title
    except (KeyError, OSError, ValueError):
        return cause_id


def flow_for_host(os_build: int | None, vm_version: str | None = None) -> str:
    """Which flow a host uses for a VM: 2016+ hosts use checkpoints + RCT, except for VMs whose
    configuration version is below 6.2 (they keep the 2012 R2 method)."""
    if not os_build or os_build < 14393:
        return "2012r2"
    if vm_version:
        try:
            major, _, minor = vm_version.partition(".")
            if (int(major), int(minor or 0)) < (6, 2):
                return "2012r2"
        except ValueError:
            pass
    return "2016"
