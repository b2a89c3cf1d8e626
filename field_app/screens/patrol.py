"""巡防: start a walk (team and crew from the roster), record checkpoints and findings as
they happen, open a dispute case from a finding, end it (`PatrolLog`).

Every tap that records is one saved step, so the walk needs no draft: leaving the screen,
or a killed app, loses nothing, and the walk is taken up again on the next visit
(`PatrolLog.unfinished`). Three panes on one screen: 开始 (start), 巡防中 (walk), 发现问题
(finding).
"""

from __future__ import annotations

from kivy.app import App
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.togglebutton import ToggleButton

from field_app.screens.choices import code_of, labels_of
from field_app.screens.record_words import (
    crew_line,
    party_names,
    team_label,
    under_way_line,
    walk_lines,
)
from field_app.services.case_opening import CaseDraft, PartyDraft
from field_app.services.location import Locator
from field_app.services.patrol_log import (
    GridChoice,
    MemberChoice,
    PatrolLog,
    TeamChoice,
    grid_choices,
    may_open_cases,
    member_choices,
    team_choices,
)
from field_app.services.recording import NotSaved, Recorder
from sync.catalogue import label, text
from sync.vocabulary import DisputeCategory, RiskColour


class PatrolScreen(Screen):
    checkpoint_colour = StringProperty(RiskColour.green.value)
    finding_colour = StringProperty(RiskColour.yellow.value)
    case_colour = StringProperty(RiskColour.yellow.value)
    opens_case = BooleanProperty(False)
    can_open_case = BooleanProperty(True)
    """Off for patrol members: the server keeps their cases aside (`may_open_cases`)."""

    recorder: Recorder | None = None
    log: PatrolLog | None = None
    locator: Locator | None = None

    def on_pre_enter(self, *_args: object) -> None:
        self.recorder = Recorder.for_tablet(App.get_running_app().tablet)
        if self.locator is None:
            self.locator = Locator()
            self.locator.start()
        self.teams: list[TeamChoice] = team_choices(self.recorder)
        self.grids: list[GridChoice] = grid_choices(self.recorder)
        self.can_open_case = may_open_cases(self.recorder)
        unfinished = PatrolLog.unfinished(self.recorder)
        self.say("")
        if unfinished:
            self.log = unfinished[0]
            self.show_walk(text("app.patrol_screen.resumed"))
        else:
            self.log = None
            self.show_start()

    # -- 开始 ---------------------------------------------------------------------------

    def show_start(self) -> None:
        self.team_id: str | None = None
        self.grid_id = self.grids[0].grid_id if len(self.grids) == 1 else None
        self.crew: set[str] = {self.recorder.worker_id}
        self._show_grids()
        box = self.ids.teams
        box.clear_widgets()
        for team in self.teams:
            button = ToggleButton(text=team_label(team), group="patrol_team",
                                  allow_no_selection=False, size_hint_y=None,
                                  height=dp(64), font_size=sp(22))
            button.bind(on_release=lambda _b, chosen=team.team_id: self.choose_team(chosen))
            box.add_widget(button)
        self.ids.no_teams.text = "" if self.teams else text("app.patrol_screen.no_teams")
        self._show_members()
        self.ids.panes.current = "start"

    def choose_grid(self, grid_id: str) -> None:
        self.grid_id = grid_id

    def _show_grids(self) -> None:
        box = self.ids.grids
        box.clear_widgets()
        for grid in self.grids:
            button = ToggleButton(text=grid.name, group="patrol_grid", allow_no_selection=False,
                                  size_hint_y=None, height=dp(56), font_size=sp(20),
                                  state="down" if grid.grid_id == self.grid_id else "normal")
            button.bind(on_release=lambda _b, chosen=grid.grid_id: self.choose_grid(chosen))
            box.add_widget(button)

    def choose_team(self, team_id: str) -> None:
        """The team's own members join the crew; the worker may tick others."""
        self.team_id = team_id
        self.crew = {self.recorder.worker_id,
                     *(m.worker_id for m in member_choices(self.recorder, team_id))}
        self._show_members()

    def toggle_member(self, worker_id: str, ticked: bool) -> None:
        if ticked:
            self.crew.add(worker_id)
        elif worker_id != self.recorder.worker_id:
            self.crew.discard(worker_id)

    def start(self) -> None:
        if self.team_id is None:
            self.say(text("app.patrol_screen.team_required"))
            return
        if self.grid_id is None:
            self.say(text("app.patrol_screen.grid_required"))
            return
        members = [m.worker_id for m in self._member_order() if m.worker_id in self.crew]
        try:
            self.log = PatrolLog.start(self.recorder, self.team_id, members,
                                       grid_id=self.grid_id)
        except NotSaved as refused:
            self.refused(refused)
            return
        self.show_walk("")

    def _member_order(self) -> list[MemberChoice]:
        """Every worker on the roster: the worker first, then the chosen team's, then the
        rest (a volunteer may walk with another team)."""
        everyone = member_choices(self.recorder)
        return sorted(everyone, key=lambda m: (m.worker_id != self.recorder.worker_id,
                                               m.worker_id not in self.crew))

    def _show_members(self) -> None:
        box = self.ids.members
        box.clear_widgets()
        for member in self._member_order():
            mine = member.worker_id == self.recorder.worker_id
            button = ToggleButton(text=member.name or member.worker_id, size_hint_y=None,
                                  height=dp(56), font_size=sp(20), disabled=mine,
                                  state="down" if member.worker_id in self.crew else "normal")
            if mine:  # always walks: shown chosen, not greyed out
                button.background_disabled_down = button.background_down
                button.disabled_color = button.color
            button.bind(on_release=lambda b, chosen=member.worker_id:
                        self.toggle_member(chosen, b.state == "down"))
            box.add_widget(button)

    # -- 巡防中 ---------------------------------------------------------------------------

    def show_walk(self, message: str) -> None:
        values = self.log.view()["values"]
        self.ids.under_way.text = under_way_line(values)
        self.ids.crew.text = crew_line(values, self.teams, self.recorder.worker_name)
        fix = self.locator.fix() if self.locator is not None else None
        self.ids.position.text = (text("app.visit.position_value", lat=f"{fix['lat']:.5f}",
                                       lon=f"{fix['lon']:.5f}")
                                  if fix else text("app.visit.no_position"))
        self.ids.entries.text = "\n".join(walk_lines(values))
        self.ids.panes.current = "walk"
        self.say(message)

    def add_checkpoint(self) -> None:
        """Time now, position when there is a fix; place, note and colour as chosen."""
        place = self.ids.place.text
        try:
            self.log.checkpoint(place, self.ids.note.text, self.checkpoint_colour,
                                self.locator.fix() if self.locator is not None else None)
        except NotSaved as refused:
            self.refused(refused)
            return
        self.ids.place.text = self.ids.note.text = ""
        self.checkpoint_colour = RiskColour.green.value
        self.show_walk(text("app.patrol_screen.checkpoint_saved", place=place.strip()))

    def end(self) -> None:
        try:
            self.log.end()
        except NotSaved as refused:
            self.refused(refused)
            return
        self.log = None
        self.manager.get_screen("home").notice = text("app.patrol_screen.ended")
        self.manager.current = "home"

    def leave(self) -> None:
        """Back to 今日; a walk under way stays open and is taken up on return."""
        self.manager.current = "home"

    # -- 发现问题 -------------------------------------------------------------------------

    def show_finding(self) -> None:
        self.ids.finding.text = self.ids.party.text = self.ids.description.text = ""
        self.ids.category.values = labels_of(DisputeCategory)
        self.ids.category.text = ""
        self.finding_colour = self.case_colour = RiskColour.yellow.value
        self.opens_case = False
        self.ids.panes.current = "finding"
        self.say("")

    def add_finding(self) -> None:
        """The finding, and with "登记为矛盾纠纷" a case opened from it (source: this walk)."""
        case = None
        if self.opens_case and self.can_open_case:
            case = CaseDraft(category=code_of(DisputeCategory, self.ids.category.text) or "",
                             description=self.ids.description.text,
                             risk_colour=self.case_colour,
                             parties=[PartyDraft(name)
                                      for name in party_names(self.ids.party.text)])
        try:
            case_id = self.log.finding(self.ids.finding.text, self.finding_colour, case)
        except NotSaved as refused:
            self.refused(refused)
            return
        self.show_walk(text("app.patrol_screen.case_opened" if case_id
                            else "app.patrol_screen.finding_saved"))

    def cancel_finding(self) -> None:
        self.show_walk("")

    # -- messages -------------------------------------------------------------------------

    def colour_text(self, colour: str) -> str:
        return label(RiskColour(colour))

    def refused(self, refused: NotSaved) -> None:
        self.say("\n".join([text("app.form.not_saved"), *refused.messages.values()]))

    def say(self, message: str) -> None:
        self.ids.message.text = message

