"""case_perform: every workflow action by name with form-like inputs, as pages and the API call it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from civicgrid.cases.models import Attachment, Case
from civicgrid.cases.services import ACTION_FIELDS, case_perform
from civicgrid.cases.workflow import TRANSITIONS, Action, State
from civicgrid.core.errors import InvalidInput, NotFound

from .test_attachments import png_bytes


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_every_action_in_the_table_has_its_fields_described():
    assert {action for _state, action in TRANSITIONS} <= set(ACTION_FIELDS)


def test_happy_path_from_form_strings(make_case, actors, department, category, media):
    case = make_case(State.REPORTED)
    case = case_perform(case=case, action="register", actor=actors.dispatcher,
                        data=QueryDict(f"category={category.pk}&note=已核实"))
    case = case_perform(case=case, action="dispatch", actor=actors.dispatcher,
                        data=QueryDict(f"department={department.pk}"))
    assert case.unit_department == department
    case = case_perform(case=case, action="accept", actor=actors.handler, data={})
    photo = SimpleUploadedFile("修复后.png", png_bytes())
    case = case_perform(case=case, action="report_back", actor=actors.handler,
                        data={"note": "已修复路面"}, photos=[photo])
    verify_photo = SimpleUploadedFile("核查.png", png_bytes())
    case = case_perform(case=case, action="verify_pass", actor=actors.grid_worker, data={},
                        photos=[verify_photo])
    case = case_perform(case=case, action="close", actor=actors.dispatcher, data={})
    case = case_perform(case=case, action="rate", actor=actors.dispatcher,
                        data={"rating": "satisfied", "solved": "是", "source": "callback"})
    assert (case.state, case.rating, case.solved) == (State.CLOSED, "satisfied", True)
    stages = sorted(Attachment.objects.filter(case=case).values_list("stage", flat=True))
    assert stages == ["after", "verify"]


def test_bad_inputs_are_clear_errors_and_change_nothing(make_case, actors, media):
    case = make_case(State.REPORTED)
    with pytest.raises(InvalidInput, match="分类"):
        case_perform(case=case, action="register", actor=actors.dispatcher,
                     data={"category": "abc"})
    with pytest.raises(InvalidInput, match="未知的操作"):
        case_perform(case=case, action="fly", actor=actors.dispatcher, data={})
    handling = make_case(State.HANDLING)
    with pytest.raises(InvalidInput, match="amount"):
        case_perform(case=handling, action=Action.REQUEST_EXTENSION, actor=actors.handler,
                     data={"amount": "-3", "reason": "等材料"})
    with pytest.raises(InvalidInput, match="日期"):
        case_perform(case=handling, action=Action.SUSPEND, actor=actors.dispatcher,
                     data={"review_date": "明天", "reason": "需立项"})
    bad_photo = SimpleUploadedFile("x.jpg", b"not an image at all")
    with pytest.raises(InvalidInput):
        case_perform(case=handling, action="report_back", actor=actors.handler,
                     data={"note": "已处理"}, photos=[bad_photo])
    handling.refresh_from_db()
    assert handling.state == State.HANDLING and not handling.events.exists()
    assert Case.objects.get(pk=case.pk).state == State.REPORTED


def test_merge_needs_a_visible_target(make_case, actors):
    dup, target = make_case(State.REGISTERED), make_case(State.REGISTERED)
    with pytest.raises(NotFound):
        case_perform(case=dup, action="merge", actor=actors.dispatcher, data={"into": "XC-NONE"})
    merged = case_perform(case=dup, action="merge", actor=actors.dispatcher,
                          data={"into": target.number})
    assert merged.state == State.MERGED and merged.merged_into == target
