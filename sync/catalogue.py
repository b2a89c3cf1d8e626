"""The one place where user-visible Chinese text lives.

Code and stored data use English codes; everything a grid worker or office reads comes from
`ZH` through `text`, so wording can be reviewed and changed in one file. Keys:

- ``label.<vocabulary>.<code>``: the label of a vocabulary code (``label.visit_kind.routine``);
  ``label.record_type.<type>`` names a record type.
- ``field.<record_type>.<path>``: a field label; ``path`` is dotted, without list positions
  (``field.visit.requests.due_date``). ``field.common.<name>`` holds labels shared by all
  record types (``grid_id``, ``lat``...).
- ``error.<code>``: a validation message; ``{field}`` is the field's label.
- ``type.<name>``, ``path.<name>``, ``list.<name>``: pieces that messages are built from.
"""

from __future__ import annotations

from enum import StrEnum
from string import Formatter

from sync.vocabulary import vocabulary_name

ZH: dict[str, str] = {
    # --- record types -------------------------------------------------------------------
    "label.record_type.visit": "民情日记",
    "label.record_type.screening": "一周一排查",
    "label.record_type.dispute": "矛盾纠纷",
    "label.record_type.patrol": "巡防日志",
    # --- vocabulary labels --------------------------------------------------------------
    "label.visit_kind.routine": "日常走访",
    "label.visit_kind.key_household": "重点走访",
    "label.visit_kind.themed": "主题专访",
    "label.visit_kind.urgent": "急事难事约访",
    "label.service_class.party": "党群服务",
    "label.service_class.government": "政务服务",
    "label.service_class.living": "生活服务",
    "label.service_class.volunteer": "志愿服务",
    "label.service_class.culture": "文化服务",
    "label.service_class.legal": "法律服务",
    "label.problem_list.fix_now": "即知即改",
    "label.problem_list.fix_by_deadline": "限时整改",
    "label.problem_list.cannot_fix": "无法整改",
    "label.dispute_category.complaint": "投诉类",
    "label.dispute_category.property": "物业管理类",
    "label.dispute_category.investment": "投资担保及涉嫌非法集资类",
    "label.dispute_category.civil": "人民调解范围内",
    "label.risk_colour.green": "绿",
    "label.risk_colour.yellow": "黄",
    "label.risk_colour.red": "红",
    "label.dispute_status.found": "已发现",
    "label.dispute_status.mediating": "调解中",
    "label.dispute_status.resolved": "已化解",
    "label.dispute_status.referred": "已移交",
    "label.dispute_status.closed": "已办结",
    "label.escalation_level.grid": "网格",
    "label.escalation_level.community": "社区",
    "label.escalation_level.street": "街道",
    "label.escalation_level.district": "区",
    "label.patrol_team_kind.public_security": "综治巡防队",
    "label.patrol_team_kind.property_security": "物业保安巡防队",
    "label.patrol_team_kind.residents": "群众巡防队",
    "label.patrol_team_kind.volunteers": "志愿者巡逻队",
    "label.screening_scope.weekly": "一周一排查",
    "label.screening_scope.half_month": "街道半月一排查",
    "label.screening_scope.ad_hoc": "随时排查",
    "label.attachment_kind.photo": "照片",
    "label.attachment_kind.file": "文件",
    "label.role.grid_worker": "网格员",
    "label.role.patrol_member": "巡防队员",
    "label.role.mediator": "人民调解员",
    "label.role.community_staff": "社区工作人员",
    "label.role.street_staff": "街道工作人员",
    "label.role.district_admin": "区级管理员",
    "label.mediation_step.ask": "热心问",
    "label.mediation_step.listen": "耐心听",
    "label.mediation_step.check": "细心查",
    "label.mediation_step.persuade": "诚心劝",
    "label.mediation_step.consider": "贴心想",
    "label.dispute_source.screening": "矛盾排查",
    "label.dispute_source.patrol": "巡防发现",
    "label.dispute_source.visit": "入户走访",
    "label.dispute_source.office": "来访受理",
    # --- field labels shared by all record types ----------------------------------------
    "field.common.schema_version": "数据版本",
    "field.common.grid_id": "网格编号",
    "field.common.id": "编号",
    "field.common.name": "姓名",
    "field.common.phone": "联系电话",
    "field.common.id_number": "身份证号码",
    "field.common.position": "位置",
    "field.common.lat": "纬度",
    "field.common.lon": "经度",
    "field.common.accuracy_m": "定位精度（米）",
    # --- field labels: 民情日记 ----------------------------------------------------------
    "field.visit.household_id": "住户编号",
    "field.visit.new_household": "新建住户信息",
    "field.visit.new_household.building": "楼号",
    "field.visit.new_household.unit": "单元",
    "field.visit.new_household.room": "房号",
    "field.visit.new_household.name": "户主姓名",
    "field.visit.new_household.address": "住址",
    "field.visit.visit_kind": "走访类型",
    "field.visit.visited_at": "走访时间",
    "field.visit.worker_id": "走访网格员",
    "field.visit.people_met": "见面人员",
    "field.visit.people_met.relation": "与户主关系",
    "field.visit.situation": "民情记录",
    "field.visit.requests": "群众诉求",
    "field.visit.requests.id": "诉求编号",
    "field.visit.requests.service_class": "服务类别",
    "field.visit.requests.summary": "诉求内容",
    "field.visit.requests.problem_list": "问题清单",
    "field.visit.requests.due_date": "整改期限",
    "field.visit.requests.explanation": "解释说明",
    "field.visit.attachments": "附件",
    "field.visit.attachments.id": "附件编号",
    "field.visit.attachments.kind": "附件类型",
    "field.visit.attachments.sha256": "文件校验值",
    "field.visit.attachments.media_type": "文件格式",
    "field.visit.attachments.size": "文件大小（字节）",
    "field.visit.attachments.name": "文件名",
    # --- field labels: 一周一排查 --------------------------------------------------------
    "field.screening.iso_week": "排查周次",
    "field.screening.scope": "排查类型",
    "field.screening.screened_at": "排查时间",
    "field.screening.worker_id": "排查人",
    "field.screening.screened_areas": "排查区域",
    "field.screening.nothing_found": "未发现矛盾纠纷",
    "field.screening.case_ids": "发现的纠纷案件",
    # --- field labels: 矛盾纠纷 ----------------------------------------------------------
    "field.dispute.category": "纠纷类别",
    "field.dispute.parties": "当事人",
    "field.dispute.parties.role": "当事人身份",
    "field.dispute.description": "纠纷情况",
    "field.dispute.risk_colour": "风险等级",
    "field.dispute.status": "办理状态",
    "field.dispute.escalation_level": "处置层级",
    "field.dispute.opened_at": "登记时间",
    "field.dispute.opened_by": "登记人",
    "field.dispute.due_date": "办结期限",
    "field.dispute.assigned_to": "承办人",
    "field.dispute.source": "线索来源",
    "field.dispute.source.kind": "来源类型",
    "field.dispute.source.id": "来源记录编号",
    "field.dispute.mediation_notes": "调解记录",
    "field.dispute.mediation_notes.id": "调解记录编号",
    "field.dispute.mediation_notes.text": "调解内容",
    "field.dispute.mediation_notes.at": "调解时间",
    "field.dispute.mediation_notes.by": "调解人",
    "field.dispute.mediation_notes.step": "调解步骤",
    # --- field labels: 巡防日志 ----------------------------------------------------------
    "field.patrol.team_kind": "巡防队伍类型",
    "field.patrol.team_id": "巡防队伍",
    "field.patrol.members": "巡防队员",
    "field.patrol.started_at": "开始时间",
    "field.patrol.ended_at": "结束时间",
    "field.patrol.checkpoints": "巡查点",
    "field.patrol.checkpoints.id": "巡查点编号",
    "field.patrol.checkpoints.at": "到达时间",
    "field.patrol.checkpoints.place": "地点",
    "field.patrol.checkpoints.note": "情况记录",
    "field.patrol.checkpoints.colour": "风险等级",
    "field.patrol.findings": "发现问题",
    "field.patrol.findings.id": "问题编号",
    "field.patrol.findings.at": "发现时间",
    "field.patrol.findings.text": "问题描述",
    "field.patrol.findings.colour": "风险等级",
    "field.patrol.findings.dispute_id": "关联纠纷案件",
    # --- pieces messages are built from -------------------------------------------------
    "path.item": "{label}第{number}项",  # "members.1" -> 巡防队员第2项
    "path.of": "{outer}的{inner}",  # "requests.0.due_date" -> 群众诉求第1项的整改期限
    "list.separator": "、",
    "type.string": "文字",
    "type.integer": "整数",
    "type.number": "数字",
    "type.boolean": "是或否",
    "type.list": "列表",
    "type.object": "对象",
    # --- validation errors --------------------------------------------------------------
    "error.invalid": "{field}无效",
    "error.required": "{field}为必填项",
    "error.null": "{field}不能为空",
    "error.blank": "{field}不能为空",
    "error.invalid_type": "{field}格式不正确，应为{expected}",
    "error.invalid_choice": "{field}必须是以下之一：{choices}",
    "error.invalid_datetime": "{field}必须是带时区的日期时间，例如2026-11-26T09:30:00+08:00",
    "error.invalid_date": "{field}必须是有效日期，例如2026-12-31",
    "error.invalid_iso_week": "{field}必须是有效的周次，例如2026-W48",
    "error.too_short": "{field}至少需要{min}项",
    "error.too_long": "{field}不能超过{max}个字",
    "error.out_of_range": "{field}必须在{min}到{max}之间",
    "error.too_small": "{field}不能小于{min}",
    "error.invalid_phone": (
        "{field}不是有效的电话号码（手机号为1开头的11位数字，座机如0531-88886666）"
    ),
    "error.invalid_id_number": "{field}不是有效的18位居民身份证号码",
    "error.invalid_sha256": "{field}必须是64位小写十六进制字符",
    "error.invalid_media_type": "{field}必须形如image/jpeg",
    "error.invalid_schema_version": "{field}必须是不小于1的整数",
    "error.due_date_required": "{field}未填写：限时整改的诉求必须写明整改期限",
    "error.explanation_required": "{field}未填写：无法整改的诉求必须记录向群众作的解释",
    "error.screening_outcome": "排查结果只能二选一：确认{field}，或列出{other}",
    "error.ended_before_started": "{field}不能早于{other}",
    "error.household_required": "请填写{field}或{other}",
    "error.unknown_record_type": "未知的记录类型：{record_type}",
    "error.unknown_collection": "{record}没有“{collection}”这类子记录",
    "error.child_collection": "{field}须逐条提交，不能随字段修改整体替换",
    # --- values shown on screens ---------------------------------------------------------
    "value.yes": "是",
    "value.no": "否",
    "value.none": "（未填写）",
    # --- the merge demo (make run) --------------------------------------------------------
    "demo.opened": "【上午】网格员王芳在3号楼排查时登记了一起邻里漏水纠纷，并同步到社区。",
    "demo.offline": "【下午，三台平板都离线】王芳、调解员李明、社区综治中心同时修改这起案件"
    "（王芳的平板时钟慢了两天）。",
    "demo.sync": "【傍晚，网络恢复】各自同步：",
    "demo.pushed": "{tablet}：送达{sent}条修改",
    "demo.case_heading": "  合并后的案件：",
    "demo.no_conflicts": "没有待处理的冲突。",
    "demo.converged": "三台平板与社区服务器上的案件完全一致（摘要相同）。",
    "demo.diverged": "警告：各副本不一致！",
    "demo.settle": "【次日】社区综治中心在冲突队列中合并两种说法、确认案件已化解，并同步：",
    "demo.history": "  “{field}”的完整修改历史（谁、在哪台设备、写了什么）：",
    "demo.kind.create": "登记",
    "demo.kind.update": "修改",
    "demo.kind.resolve": "裁定",
    "demo.kind.override": "退回",
    "demo.kind.add": "追加",
    "demo.kind.retract": "撤销",
    # --- operations and device chains (sync.operation, sync.chain, sync.replica) ----------
    "sync.op_altered": "记录在传输或存储中被改动，与其编号不符",
    "sync.op_format": "该操作来自不支持的应用版本，请升级应用",
    "sync.op_malformed": "操作数据格式错误",
    "sync.bad_signature": "设备签名无效：该批记录不是由本设备的密钥签发",
    "sync.head_mismatch": "该批记录与设备签名的末尾不一致",
    "sync.head_malformed": "设备签名格式错误",
    "sync.chain_forked": "设备记录链出现分叉：同一序号有两条不同记录，已隔离待核查",
    "sync.op_missing": "设备记录链缺少中间记录",
    "sync.op_reordered": "设备记录链顺序被打乱",
    "sync.wrong_device": "该批记录中混有其他设备的记录",
    "sync.record_type_mismatch": "记录类型与原记录不一致，已隔离待核查",
    "sync.unknown_parent_record": "该修改所依据的版本属于其他记录，已隔离待核查",
    "sync.clock_skew": "设备时钟偏差约{days}天，请校准时间（记录照常接收）",
    # --- edits a tablet refuses (sync.writer) ---------------------------------------------
    "edit.record_unknown": "本机没有这条记录，请先同步",
    "edit.status_backward": "案件状态只能向前推进，不能从“{was}”退回“{to}”",
    "edit.escalation_lowering": "上报层级只能升高，不能从“{was}”降到“{to}”",
    "edit.override_not_allowed": "您的角色无权重新打开案件或降低上报层级",
    "edit.reason_required": "请填写原因",
    "edit.not_applied": "保存失败，本机数据库未写入，请重试",
    # --- what the merge asks a person to look at (sync.merge) ----------------------------
    "conflict.concurrent_values": "{field}被多人同时修改为不同内容，请选定一个或填写合并后的内容",
    "conflict.status_incomparable": "案件同时被改为“{values}”，请确定案件状态",
    "review.superseded": "{field}的这次修改与更新的修改同时发生，未被采用，请核查",
    "review.status_backward": "有人试图把案件状态退回“{requested}”，未被采用，请核查",
    "review.escalation_lowering_refused": "有人试图把上报层级降到“{requested}”，未被采用，请核查",
    "review.override_unauthorised": "无权限的退回或降级操作（“{requested}”），未被采用，请核查",
}

# An English catalogue `EN` with the same keys can be added here later; `text` would then
# take the catalogue (or a language code) to use.

_FORMATTER = Formatter()


class _KeepUnknown(dict):
    """Leaves a placeholder with no value as it is, so a missing parameter never raises."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(key: str, **params: object) -> str:
    """The Chinese text for `key` with `params` filled in; the key itself if it is unknown.

    Never raises: a message must always be shown, even if a parameter is missing.
    """
    template = ZH.get(key)
    if template is None:
        return key
    try:
        return _FORMATTER.vformat(template, (), _KeepUnknown(params))
    except (IndexError, ValueError, AttributeError, TypeError, KeyError):
        return template


def label(code: StrEnum) -> str:
    """The Chinese label of a vocabulary code, e.g. ``label(RiskColour.red)`` -> 红."""
    return text(f"label.{vocabulary_name(type(code))}.{code.value}")
