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
    # --- roster import (server.services.roster_*, flask import-roster) ---------------------
    "roster.kind.streets": "街道",
    "roster.kind.communities": "社区",
    "roster.kind.grids": "网格",
    "roster.kind.patrol_teams": "巡防队",
    "roster.kind.workers": "工作人员",
    "roster.kind.households": "住户",
    "roster.field.id": "编号",
    "roster.field.name": "名称",
    "roster.field.workers.name": "姓名",
    "roster.field.street_id": "所属街道",
    "roster.field.community_id": "所属社区",
    "roster.field.grid_id": "所属网格",
    "roster.field.team_id": "所属巡防队",
    "roster.field.kind": "队伍类型",
    "roster.field.role": "角色",
    "roster.field.phone": "联系电话",
    "roster.field.building": "楼号",
    "roster.field.unit": "单元",
    "roster.field.room": "房号",
    "roster.field.head_name": "户主姓名",
    "roster.field.id_number": "身份证号码",
    "roster.field.address": "住址",
    "roster.field.key_household": "重点户",
    "roster.field.active": "在岗",
    "roster.where.file": "{file}",
    "roster.where.line": "{file}第{line}行",
    "roster.where.row": "{file}第{line}行（{kind}）",
    "roster.where.row_with_id": "{file}第{line}行（{kind}“{id}”）",
    "roster.problem": "{where}：{message}",
    "roster.error.unreadable": "无法读取该文件，请确认路径正确并有读取权限",
    "roster.error.unsupported_file_type": "不支持“{suffix}”文件，请使用.yaml、.yml或.csv文件",
    "roster.error.bad_encoding": "无法识别文件编码，请将文件另存为UTF-8编码",
    "roster.error.invalid_yaml": "YAML格式错误，请检查这一行及上一行的缩进、冒号和引号",
    "roster.error.empty_file": "文件是空的",
    "roster.error.bad_layout": (
        "文件最外层应按分类列出：streets、communities、grids、patrol_teams、workers、households"
    ),
    "roster.error.unknown_kind": "未知的分类“{value}”，应为以下之一：{kinds}",
    "roster.error.not_a_list": "{kind}下面应是一个列表，每一项以“- ”开头",
    "roster.error.bad_row": "{kind}的每一项应由“字段: 值”组成",
    "roster.error.missing_kind_column": "CSV文件第一行（表头）必须有kind列，注明每行是哪一类",
    "roster.error.extra_cells": "这一行的格数比表头多，请检查是否有多余的逗号",
    "roster.error.unknown_field": "没有“{column}”这一列；{kind}可以填写：{columns}",
    "roster.error.invalid_boolean": "{field}只能填写“是”或“否”",
    "roster.error.invalid_id": "{field}只能由字母、数字和“-”“_”“.”组成，不能有空格或汉字",
    "roster.error.duplicate_id": "编号“{id}”重复：第{first_line}行已有同一编号的{kind}",
    "roster.error.unknown_reference": (
        "{field}“{value}”不存在：本文件和已导入的名册中都没有这个{target}"
    ),
    "roster.error.required_for_role": "角色为{role}时必须填写{field}",
    "roster.error.not_for_role": "角色为{role}时不填写{field}",
    "roster.error.place_mismatch": "{field}“{value}”与{anchor}所在的“{parent}”不一致",
    "roster.failed": "名册有{count}处错误，没有导入任何数据。请改正后重新导入：",
    "roster.imported": "名册导入完成：{file}（名册版本{version}）",
    "roster.unchanged": "名册没有变化，没有写入任何数据：{file}（名册版本{version}）",
    "roster.count": "  {kind}：新增{created}，更新{updated}，未变{unchanged}",
    "roster.help.import": "导入网格名册（YAML或CSV文件）。只要有一行出错，就不写入任何数据。",
    # --- enrolment and devices (server.services.enrolment, flask device commands) ---------
    "devices.worker_unknown": "没有编号为“{id}”的工作人员，请先导入名册",
    "devices.worker_inactive": "工作人员“{id}”已不在岗，不能发放注册码",
    "devices.device_unknown": "没有编号为“{id}”的设备",
    "devices.reason_required": "请用--reason写明停用原因",
    "devices.reason_too_long": "停用原因不能超过{max}个字",
    "devices.hours_invalid": "有效期至少为1小时",
    "devices.code_issued": (
        "已为{name}（{worker}）发放一次性注册码，{expires}前有效，只能使用一次："
    ),
    "devices.code_line": "    {code}",
    "devices.qr_written": "二维码图片已保存到：{path}",
    "devices.none": "还没有注册的设备",
    "devices.column.id": "设备编号",
    "devices.column.worker": "工作人员",
    "devices.column.name": "设备名称",
    "devices.column.enrolled": "注册时间",
    "devices.column.last_seen": "最近同步",
    "devices.column.revoked": "停用",
    "devices.in_use": "在用",
    "devices.revoked_at": "已停用 {at}（{reason}）",
    "devices.revoked": "设备{id}已停用（原因：{reason}），它的下一次请求将被拒绝",
    "devices.already_revoked": "设备{id}已于{at}停用（原因：{reason}），无需再次停用",
    "devices.help.issue": "为工作人员发放一次性注册码，可同时生成二维码图片",
    "devices.help.qr": "把注册码二维码保存为PNG图片的路径",
    "devices.help.hours": "有效期（小时），默认72小时（MINQING_ENROLMENT_CODE_HOURS）",
    "devices.help.server": "写入二维码的服务器地址（MINQING_PUBLIC_URL）",
    "devices.help.list": "列出所有已注册的设备",
    "devices.help.revoke": "停用设备（例如平板丢失）：它之后的请求一律拒绝",
    "devices.help.reason": "停用原因，例如“平板丢失”",
    "seed_demo.help": "导入演示名册（千佛山街道），并为第一位网格员发放注册码",
    "seed_demo.code_for": "演示用平板的注册码：",
    "seed_demo.office": "综治中心页面：{url}/office/    工号 {worker}    密码 {password}  "
    "（演示用，每次启动重新生成）",
    "seed_demo.help.qr": "二维码图片的保存路径，默认保存在实例目录（instance）",
    "serve_demo.help": "升级数据库、导入演示名册，并在本机127.0.0.1上启动同步服务器",
    "serve_demo.ready": "同步服务器已启动：{url}\n"
    "  健康检查：{url}/api/v1/health    接口说明：{url}/api/v1/openapi.json\n"
    "  平板注册：在平板上填写服务器地址 {url} 和上面的注册码（或扫描二维码）。\n"
    "  数据库：{database}\n  按 Ctrl+C 停止。",
    # --- API errors (server.api; api.<code>, see docs/api.md) -----------------------------
    "api.bad_request": "请求格式错误或缺少必填项",
    "api.malformed_body": "上传的数据无法解析：应为br或gzip压缩的UTF-8 NDJSON",
    "api.not_found": "请求的地址不存在",
    "api.method_not_allowed": "该地址不支持这种请求方式",
    "api.body_too_large": "上传的数据过大，请分批同步",
    "api.unsupported_media_type": "上传的数据类型不正确，应为application/x-ndjson",
    "api.unsupported_encoding": "上传数据的压缩方式不受支持，应为br或gzip",
    "api.auth_required": "请求缺少设备签名，请先注册本设备",
    "api.auth_unknown_device": "服务器上没有这台设备，请重新注册",
    "api.auth_bad_signature": "请求签名无效，请确认本设备已正确注册",
    "api.request_replayed": "重复的请求已被拒绝（请求序号没有增加），请重新同步",
    "api.device_revoked": "该设备已被停用，不能再同步。如有疑问请联系社区或街道管理员",
    "api.forbidden": "无权进行此操作",
    "api.server_error": "服务器内部错误，请稍后重试；记录仍保存在本机",
    "api.enrolment_code_invalid": (
        "注册码无效（不存在、已使用或已过期），请向社区或街道管理员重新申请"
    ),
    "api.key_in_use": "该设备密钥已经注册过，请在平板上重新生成密钥后再注册",
    "api.wrong_device": "这批记录不是本设备签发的，已拒收",
    # --- why the server holds an operation back (server.services.push) -----------------
    "quarantine.author_mismatch": "记录的登记人与本设备的持有人不符，已暂扣待核查",
    "quarantine.unknown_parent": "这条修改所依据的版本服务器上没有，已暂扣；请先同步再修改",
    "quarantine.depends_on_quarantined": "这条修改依据的是一条被暂扣的记录，一并暂扣",
    "quarantine.record_exists": "同一记录编号已经登记过，已暂扣待核查",
    "quarantine.grid_unknown": "所填网格不存在，请同步名册后重新选择网格",
    "quarantine.record_unknown": "服务器上没有这条记录，已暂扣；请先同步",
    "quarantine.record_type_mismatch": "记录类型与原记录不一致，已暂扣待核查",
    "quarantine.grid_immutable": "记录登记后不能改到其他网格",
    "quarantine.invalid_record": "记录内容不符合要求，请按提示修改后重新登记",
    "quarantine.outside_scope": "只能在本人负责的网格（或社区、街道）内登记这类记录",
    "quarantine.override_not_allowed": "您的角色无权重新打开案件或降低上报层级",
    # --- the ledger's integrity tools (flask verify-ledger, rebuild-projections) --------
    "ledger.verified": "台账校验通过：{entries}条记录、{heads}个签名树头、"
    "{device_heads}个设备签名，均未被改动。",
    "ledger.broken": "台账校验失败：街道{street}第{position}条（{code}）：{detail}",
    "ledger.rebuilt": "已从台账重建{records}条记录的当前状态。",
    # --- the sync client on the tablet (sync.client) ---------------------------------------
    "client.server_unreachable": "无法连接同步服务器，请检查网络后重试；记录仍保存在本机",
    "client.bad_response": "同步服务器的回应无法识别（可能需要先登录当前网络），请稍后重试；"
    "记录仍保存在本机",
    "client.unknown_error": "同步失败（{code}），请稍后重试或联系管理员",
    "client.chain_behind": "服务器上本设备的记录比平板上的多，平板可能是从旧备份恢复的。"
    "为免记录冲突已停止同步，请联系社区管理员重新注册本设备",
    # --- the office's review pages (server.office) -----------------------------------------
    "office.app_name": "民情台账 · 综治中心",
    "office.sign_in": "登录",
    "office.sign_out": "退出登录",
    "office.worker_id": "工号",
    "office.password": "密码",
    "office.signed_in_as": "{name}（{role}）",
    "office.sign_in_first": "请先登录",
    "office.bad_credentials": "工号或密码不正确",
    "office.locked": "连续输错密码次数过多，账号已锁定，请于{until}后再试",
    "office.not_office_role": "网格员和巡防队员请使用平板，不能登录综治中心页面",
    "office.signed_out": "已退出登录",
    "office.session_ended": "密码已更改或账号已停用，请重新登录",
    "office.worker_unknown": "没有编号为“{detail}”的工作人员，请先导入名册",
    "office.password_too_short": "密码至少需要{detail}个字符",
    "office.password_set": "已为{name}设置综治中心登录密码",
    "office.password_prompt": "新密码",
    "office.password_again": "再输入一次新密码",
    "office.error": "出错了",
    "office.error.400": "请求无效，请刷新页面后重试",
    "office.error.403": "您无权查看这一页",
    "office.error.404": "没有这一页，或不在您负责的范围内",
    "office.error.csrf": "页面已过期，请刷新后重新提交",
    "office.error.other": "服务器暂时无法处理，请稍后重试",
    "office.dashboard": "工作台",
    "office.area": "负责范围：{area}",
    "office.area.all": "全区",
    "office.records_by_grid": "各网格已同步的记录",
    "office.grid": "网格",
    "office.no_records": "还没有同步上来的记录",
    "office.devices": "设备管理",
    "office.integrity": "台账校验",
    "office.integrity.about": "每次同步后，服务器都会用自己的密钥对各街道台账的规模和"
    "默克尔树根签名。校验会重新计算每条记录的哈希、链接和签名，任何修改、删除或调换"
    "都会被发现。",
    "office.integrity.heads": "最新签名树头",
    "office.integrity.street": "街道",
    "office.integrity.size": "记录条数",
    "office.integrity.root": "默克尔树根",
    "office.integrity.signed_at": "签名时间",
    "office.integrity.key": "签名密钥",
    "office.integrity.no_head": "还没有同步记录",
    "office.integrity.verify": "立即校验",
    "office.integrity.download": "下载校验报告（JSON）",
    "office.devices.issue": "发放平板注册码",
    "office.devices.issue_button": "发放注册码",
    "office.devices.enrolled": "已注册的平板",
    "office.devices.reason": "停用原因，例如“平板丢失”",
    "office.devices.revoke": "停用",
    "office.devices.revoked": "已停用设备“{name}”，它的下一次同步将被拒绝",
    "office.devices.reason_required": "请写明停用原因",
    "office.devices.reason_too_long": "停用原因不能超过200个字",
    "office.devices.device_unknown": "没有这台设备",
    "office.devices.code_title": "平板注册码",
    "office.devices.code_for": "{name}的平板注册码，{until}前有效：",
    "office.devices.server": "服务器地址：{url}",
    "office.devices.qr": "注册码二维码（平板扫描即可注册）",
    "office.devices.code_once": "注册码只能使用一次，请勿拍照外传；离开本页后不再显示。",
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
