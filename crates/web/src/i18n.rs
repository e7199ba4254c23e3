//! UI strings, one table per language, so that a translator, not a
//! programmer, changes them. Chinese is the default; `?lang=en` or the
//! `lang` cookie switches to English.

/// Every string the pages show.
#[derive(Debug)]
pub struct Texts {
    /// Language code for `<html lang>`.
    pub lang: &'static str,
    /// Product name.
    pub app: &'static str,
    /// Tagline.
    pub tagline: &'static str,
    /// Login.
    pub login: &'static str,
    /// Logout.
    pub logout: &'static str,
    /// Username.
    pub username: &'static str,
    /// Password.
    pub password: &'static str,
    /// Wrong login.
    pub login_failed: &'static str,
    /// Regions.
    pub regions: &'static str,
    /// Households.
    pub households: &'static str,
    /// Persons.
    pub persons: &'static str,
    /// Monitored households.
    pub monitored: &'static str,
    /// Household number.
    pub number: &'static str,
    /// Village.
    pub village: &'static str,
    /// Head.
    pub head: &'static str,
    /// ID number.
    pub id_number: &'static str,
    /// Members.
    pub members: &'static str,
    /// Category.
    pub category: &'static str,
    /// Former registered poor.
    pub formerly_poor: &'static str,
    /// Income per person.
    pub income_pp: &'static str,
    /// Housing.
    pub housing: &'static str,
    /// Water.
    pub water: &'static str,
    /// Search.
    pub search: &'static str,
    /// Name.
    pub name: &'static str,
    /// All.
    pub all: &'static str,
    /// Any monitored category.
    pub any_monitored: &'static str,
    /// Yes.
    pub yes: &'static str,
    /// No.
    pub no: &'static str,
    /// Address.
    pub address: &'static str,
    /// Relation.
    pub relation: &'static str,
    /// Sex.
    pub sex: &'static str,
    /// Age.
    pub age: &'static str,
    /// Labor capacity.
    pub labor: &'static str,
    /// Health.
    pub health: &'static str,
    /// Disability.
    pub disability: &'static str,
    /// School.
    pub school: &'static str,
    /// Insurance.
    pub insurance: &'static str,
    /// Employment.
    pub employment: &'static str,
    /// Phone.
    pub phone: &'static str,
    /// Income by source.
    pub income: &'static str,
    /// Wage income.
    pub wage: &'static str,
    /// Production income.
    pub production: &'static str,
    /// Property income.
    pub property: &'static str,
    /// Transfer income.
    pub transfer: &'static str,
    /// Medical expense.
    pub medical_expense: &'static str,
    /// Schooling expense.
    pub schooling_expense: &'static str,
    /// Farmland.
    pub farmland: &'static str,
    /// Version.
    pub version: &'static str,
    /// Previous page.
    pub prev: &'static str,
    /// Next page.
    pub next: &'static str,
    /// Total.
    pub total: &'static str,
    /// None.
    pub none: &'static str,
    /// Other language switch label.
    pub switch_lang: &'static str,
    /// Other language code.
    pub other_lang: &'static str,
    /// API docs.
    pub api_docs: &'static str,
    /// Not found page.
    pub not_found: &'static str,
    /// Household history.
    pub history: &'static str,
    /// Land unit.
    pub mu: &'static str,
    /// Yuan per year.
    pub yuan_year: &'static str,
    /// Role.
    pub role: &'static str,
    /// Save.
    pub save: &'static str,
    /// Cancel.
    pub cancel: &'static str,
    /// Edit household.
    pub edit_household: &'static str,
    /// New household.
    pub new_household: &'static str,
    /// Add member.
    pub add_member: &'static str,
    /// Edit member.
    pub edit_member: &'static str,
    /// Edit (short).
    pub edit: &'static str,
    /// Village group.
    pub village_group: &'static str,
    /// Forest land.
    pub forest: &'static str,
    /// Stale version.
    pub stale: &'static str,
    /// Disability grade.
    pub disability_grade: &'static str,
    /// Student status.
    pub student_status: &'static str,
    /// Inbox.
    pub inbox: &'static str,
    /// Department feeds.
    pub feeds: &'static str,
    /// Cases waiting.
    pub cases_waiting: &'static str,
    /// Leads to check.
    pub leads_waiting: &'static str,
    /// Overdue.
    pub overdue: &'static str,
    /// Stage.
    pub stage: &'static str,
    /// Since.
    pub since: &'static str,
    /// Due.
    pub due: &'static str,
    /// Declarations not yet matched to a household.
    pub unmatched_leads: &'static str,
    /// Reference.
    pub reference: &'static str,
    /// Channel.
    pub channel: &'static str,
    /// What happened.
    pub what_happened: &'static str,
    /// Monitoring case.
    pub case_title: &'static str,
    /// Risk types.
    pub risk_types: &'static str,
    /// Notice.
    pub notice: &'static str,
    /// Record.
    pub record: &'static str,
    /// When.
    pub when: &'static str,
    /// Event.
    pub event: &'static str,
    /// By.
    pub who: &'static str,
    /// Self-declaration.
    pub declare_title: &'static str,
    /// If illness, disability, disaster, an accident or a lost job has put your household in difficulty, declare it here; a village cadre will visit within days..
    pub declare_intro: &'static str,
    /// Received. Keep this reference:.
    pub declare_done: &'static str,
    /// Check the status.
    pub declare_status: &'static str,
    /// Village code (12 digits).
    pub village_code: &'static str,
    /// Submit.
    pub submit: &'static str,
    /// Timeline.
    pub timeline: &'static str,
    /// Open case.
    pub open_case: &'static str,
    /// New lead.
    pub new_lead: &'static str,
    /// Warnings (预警).
    pub warnings: &'static str,
    /// Open warnings.
    pub warnings_open: &'static str,
    /// Risk type.
    pub risk_type: &'static str,
    /// Severity.
    pub severity: &'static str,
    /// Status.
    pub status: &'static str,
    /// Rule.
    pub rule: &'static str,
    /// Rule set.
    pub rule_set: &'static str,
    /// Evidence.
    pub evidence: &'static str,
    /// Evidence dates.
    pub evidence_dates: &'static str,
    /// Person.
    pub person: &'static str,
    /// Verify (opens a lead).
    pub verify: &'static str,
    /// Dismiss.
    pub dismiss: &'static str,
    /// Reason to dismiss.
    pub dismiss_reason: &'static str,
    /// Note on verification.
    pub verify_note: &'static str,
    /// Filter.
    pub filter: &'static str,
    /// Run screening.
    pub run_screening: &'static str,
    /// Last screening run.
    pub last_run: &'static str,
    /// No warnings.
    pub no_warnings: &'static str,
    /// Feed file and line.
    pub feed_file: &'static str,
    /// Status open.
    pub st_open: &'static str,
    /// Status attached to a case.
    pub st_attached: &'static str,
    /// Status verified.
    pub st_verified: &'static str,
    /// Status dismissed.
    pub st_dismissed: &'static str,
    /// High.
    pub sev_high: &'static str,
    /// Medium.
    pub sev_medium: &'static str,
    /// Low.
    pub sev_low: &'static str,
    /// Rule sets in force.
    pub rules_in_force: &'static str,
    /// Adopt a new version.
    pub adopt_version: &'static str,
    /// Valid from.
    pub valid_from: &'static str,
    /// Adopted at.
    pub adopted_at: &'static str,
    /// Monitoring line.
    pub monitoring_line: &'static str,
    /// Overdue cases (page title).
    pub overdue_title: &'static str,
    /// What the overdue page lists.
    pub overdue_intro: &'static str,
    /// Township.
    pub township: &'static str,
    /// Number of overdue cases.
    pub overdue_count: &'static str,
    /// Days overdue.
    pub days_over: &'static str,
    /// The level an overdue case is escalated to.
    pub escalated_to: &'static str,
    /// Nothing overdue.
    pub no_overdue: &'static str,
    /// Village level.
    pub level_village: &'static str,
    /// Township level.
    pub level_township: &'static str,
    /// County level.
    pub level_county: &'static str,
    /// As of.
    pub as_of: &'static str,
    /// New warnings.
    pub new_warnings: &'static str,
    /// Adopted version.
    pub adopted_version: &'static str,
    /// Unchanged version.
    pub unchanged_version: &'static str,
    /// File name.
    pub file_name: &'static str,
    /// Rule file text.
    pub rule_text: &'static str,
    /// Hidden for this role.
    pub hidden: &'static str,
    /// When raised.
    pub raised_at: &'static str,
    /// What-if replay.
    pub whatif: &'static str,
    /// What-if help.
    pub whatif_help: &'static str,
    /// Period start.
    pub period_from: &'static str,
    /// Period end.
    pub period_to: &'static str,
    /// In force.
    pub in_force: &'static str,
    /// Draft.
    pub draft: &'static str,
    /// Total.
    pub grand_total: &'static str,
    /// The button that shows ID numbers and phones in full.
    pub reveal: &'static str,
    /// Its optional reason.
    pub reveal_reason: &'static str,
    /// Said once they are shown in full.
    pub revealed_note: &'static str,
    /// Back to the masked page.
    pub mask_again: &'static str,
    /// ID number field of a member form, shown masked.
    pub id_number_kept: &'static str,
    /// Phone field of a member form, shown masked.
    pub phone_kept: &'static str,
}

/// 中文 (default).
pub const ZH: Texts = Texts {
    lang: "zh-CN",
    app: "底线 · 防止返贫致贫监测帮扶",
    tagline: "守牢不发生规模性返贫致贫底线",
    login: "登录",
    logout: "退出",
    username: "用户名",
    password: "密码",
    login_failed: "用户名或密码错误",
    regions: "行政区划",
    households: "农户",
    persons: "人口",
    monitored: "监测户",
    number: "户编号",
    village: "村",
    head: "户主",
    id_number: "身份证号",
    members: "家庭成员",
    category: "监测类别",
    formerly_poor: "原建档立卡",
    income_pp: "人均纯收入",
    housing: "住房安全",
    water: "饮水安全",
    search: "查询",
    name: "姓名",
    all: "全部",
    any_monitored: "全部监测户",
    yes: "是",
    no: "否",
    address: "地址",
    relation: "与户主关系",
    sex: "性别",
    age: "年龄",
    labor: "劳动能力",
    health: "健康状况",
    disability: "残疾",
    school: "在校情况",
    insurance: "医保",
    employment: "就业",
    phone: "电话",
    income: "家庭年收入",
    wage: "工资性",
    production: "生产经营性",
    property: "财产性",
    transfer: "转移性",
    medical_expense: "医疗支出",
    schooling_expense: "教育支出",
    farmland: "耕地",
    version: "版本",
    prev: "上一页",
    next: "下一页",
    total: "共",
    none: "无",
    switch_lang: "English",
    other_lang: "en",
    api_docs: "接口文档",
    not_found: "未找到，或不在您的管辖范围",
    history: "变更记录",
    mu: "亩",
    yuan_year: "元/年",
    role: "角色",
    save: "保存",
    cancel: "取消",
    edit_household: "修改农户信息",
    new_household: "新增农户",
    add_member: "新增成员",
    edit_member: "修改成员",
    edit: "修改",
    village_group: "村民小组",
    forest: "林地",
    stale: "该记录已被他人修改，请刷新后重试",
    disability_grade: "残疾等级",
    student_status: "在校状态",
    inbox: "待办",
    feeds: "部门数据",
    cases_waiting: "待办案件",
    leads_waiting: "待核实线索",
    overdue: "已超期",
    stage: "环节",
    since: "开始",
    due: "办理期限",
    unmatched_leads: "未匹配农户的申报线索",
    reference: "受理编号",
    channel: "途径",
    what_happened: "情况说明",
    case_title: "监测案件",
    risk_types: "风险类型",
    notice: "公示",
    record: "登记",
    when: "时间",
    event: "事项",
    who: "经办人",
    declare_title: "农户自主申报",
    declare_intro: "家庭因病、因残、因灾、因意外、就业不稳等出现困难，可在此申报，村干部将在几日内入户核实。",
    declare_done: "已受理，请记住受理编号：",
    declare_status: "查询办理进度",
    village_code: "村代码（12位）",
    submit: "提交",
    timeline: "全部记录",
    open_case: "查看案件",
    new_lead: "登记线索",
    warnings: "预警",
    warnings_open: "待核实预警",
    risk_type: "风险类型",
    severity: "紧急程度",
    status: "状态",
    rule: "规则",
    rule_set: "规则集",
    evidence: "依据数据",
    evidence_dates: "数据日期",
    person: "人员",
    verify: "核实属实，转为线索",
    dismiss: "排除",
    dismiss_reason: "排除理由",
    verify_note: "核实情况（可不填）",
    filter: "筛选",
    run_screening: "运行筛查",
    last_run: "上次筛查",
    no_warnings: "没有符合条件的预警",
    feed_file: "文件:行",
    st_open: "待核实",
    st_attached: "已并入案件",
    st_verified: "已核实",
    st_dismissed: "已排除",
    sev_high: "高",
    sev_medium: "中",
    sev_low: "低",
    rules_in_force: "现行规则集",
    adopt_version: "启用新版本",
    valid_from: "生效日期",
    adopted_at: "启用时间",
    monitoring_line: "监测收入线（元/人/年）",
    overdue_title: "超期督办",
    overdue_intro: "已超过办理期限的案件，按乡镇列出，超期最久的在前；超期越久，督办层级越高。",
    township: "乡镇",
    overdue_count: "超期案件",
    days_over: "超期天数",
    escalated_to: "督办层级",
    no_overdue: "没有超期案件。",
    level_village: "村级",
    level_township: "乡镇级",
    level_county: "县级",
    as_of: "截至",
    new_warnings: "新预警",
    adopted_version: "已启用版本",
    unchanged_version: "与现行版本相同，未改动：版本",
    file_name: "文件名",
    rule_text: "规则文件内容（TOML）",
    hidden: "（本级不显示）",
    raised_at: "预警时间",
    whatif: "试算（按草案回放已存数据）",
    whatif_help: "把草案规则集当作在所选期间内生效，重放已导入的部门数据，按乡镇和风险类型对比现行规则下的预警数；不写入任何数据。",
    period_from: "开始日期",
    period_to: "结束日期",
    in_force: "现行规则",
    draft: "草案",
    grand_total: "合计",
    reveal: "显示完整信息",
    reveal_reason: "查看事由（可不填）",
    revealed_note: "已显示完整身份证号和电话；本次查看已记入审计日志。",
    mask_again: "恢复遮蔽显示",
    id_number_kept: "身份证号（已遮蔽；不改动则保留原号）",
    phone_kept: "联系电话（已遮蔽；不改动则保留原号）",
};

/// English.
pub const EN: Texts = Texts {
    lang: "en",
    app: "dixian · poverty-return monitoring",
    tagline: "Hold the line: no large-scale return to poverty",
    login: "Log in",
    logout: "Log out",
    username: "Username",
    password: "Password",
    login_failed: "Wrong username or password",
    regions: "Regions",
    households: "Households",
    persons: "Persons",
    monitored: "Monitored",
    number: "Household no.",
    village: "Village",
    head: "Head",
    id_number: "ID number",
    members: "Members",
    category: "Category",
    formerly_poor: "Formerly registered poor",
    income_pp: "Income per person",
    housing: "Housing safety",
    water: "Drinking water",
    search: "Search",
    name: "Name",
    all: "All",
    any_monitored: "All monitored",
    yes: "Yes",
    no: "No",
    address: "Address",
    relation: "Relation",
    sex: "Sex",
    age: "Age",
    labor: "Labor capacity",
    health: "Health",
    disability: "Disability",
    school: "Schooling",
    insurance: "Medical insurance",
    employment: "Employment",
    phone: "Phone",
    income: "Household income",
    wage: "Wages",
    production: "Production",
    property: "Property",
    transfer: "Transfers",
    medical_expense: "Medical expense",
    schooling_expense: "Schooling expense",
    farmland: "Farmland",
    version: "Version",
    prev: "Previous",
    next: "Next",
    total: "Total",
    none: "None",
    switch_lang: "中文",
    other_lang: "zh",
    api_docs: "API docs",
    not_found: "Not found, or outside your region",
    history: "History",
    mu: "mu",
    yuan_year: "yuan/yr",
    role: "Role",
    save: "Save",
    cancel: "Cancel",
    edit_household: "Edit household",
    new_household: "New household",
    add_member: "Add member",
    edit_member: "Edit member",
    edit: "Edit",
    village_group: "Village group",
    forest: "Forest land",
    stale: "Someone else changed this record; reload and try again",
    disability_grade: "Disability grade",
    student_status: "Student status",
    inbox: "Inbox",
    feeds: "Feeds",
    cases_waiting: "Cases waiting",
    leads_waiting: "Leads to check",
    overdue: "Overdue",
    stage: "Stage",
    since: "Since",
    due: "Due",
    unmatched_leads: "Declarations not yet matched to a household",
    reference: "Reference",
    channel: "Channel",
    what_happened: "What happened",
    case_title: "Monitoring case",
    risk_types: "Risk types",
    notice: "Notice",
    record: "Record",
    when: "When",
    event: "Event",
    who: "By",
    declare_title: "Self-declaration",
    declare_intro: "If illness, disability, disaster, an accident or a lost job has put your household in difficulty, declare it here; a village cadre will visit within days.",
    declare_done: "Received. Keep this reference:",
    declare_status: "Check the status",
    village_code: "Village code (12 digits)",
    submit: "Submit",
    timeline: "Timeline",
    open_case: "Open case",
    new_lead: "New lead",
    warnings: "Warnings",
    warnings_open: "Open warnings",
    risk_type: "Risk type",
    severity: "Severity",
    status: "Status",
    rule: "Rule",
    rule_set: "Rule set",
    evidence: "Evidence",
    evidence_dates: "Dates",
    person: "Person",
    verify: "Verify: open a lead",
    dismiss: "Dismiss",
    dismiss_reason: "Reason",
    verify_note: "Note (optional)",
    filter: "Filter",
    run_screening: "Run screening",
    last_run: "Last run",
    no_warnings: "No warnings match",
    feed_file: "File:line",
    st_open: "open",
    st_attached: "attached to case",
    st_verified: "verified",
    st_dismissed: "dismissed",
    sev_high: "high",
    sev_medium: "medium",
    sev_low: "low",
    rules_in_force: "Rule sets in force",
    adopt_version: "Adopt a new version",
    valid_from: "Valid from",
    adopted_at: "Adopted",
    monitoring_line: "Monitoring line (元/person/year)",
    overdue_title: "Overdue cases",
    overdue_intro: "Cases past the time limit of their step, per township, longest overdue first; the longer overdue, the higher the level that is told.",
    township: "Township",
    overdue_count: "Overdue cases",
    days_over: "Days overdue",
    escalated_to: "Escalated to",
    no_overdue: "No case is overdue.",
    level_village: "Village",
    level_township: "Township",
    level_county: "County",
    as_of: "as of",
    new_warnings: "new warnings",
    adopted_version: "adopted version",
    unchanged_version: "unchanged: same as version",
    file_name: "File name",
    rule_text: "Rule file (TOML)",
    hidden: "(not shown at this level)",
    raised_at: "Raised",
    whatif: "What-if (replay stored feeds under a draft)",
    whatif_help: "Treats the draft as in force over the period, replays the stored department feeds and counts the warnings by township and risk type against the rules in force; nothing is stored.",
    period_from: "From",
    period_to: "To",
    in_force: "In force",
    draft: "Draft",
    grand_total: "Total",
    reveal: "Show in full",
    reveal_reason: "Reason (optional)",
    revealed_note: "ID numbers and phones are shown in full; this view is recorded in the audit log.",
    mask_again: "Mask again",
    id_number_kept: "ID number (masked; kept unless you replace it)",
    phone_kept: "Phone (masked; kept unless you replace it)",
};

/// The table for a language code.
pub fn texts(lang: &str) -> &'static Texts {
    if lang == "en" { &EN } else { &ZH }
}

/// Label of a case-event form field, by its JSON name.
pub fn field_label(t: &Texts, name: &str) -> &'static str {
    let (zh, en) = match name {
        "visited_on" => ("日期", "Date"),
        "findings" => ("核查情况", "Findings"),
        "asset_check_consent_signed" => ("已签订承诺授权书", "Asset-check consent signed"),
        "results" => ("比对结果", "Results"),
        "held_on" => ("评议日期", "Held on"),
        "attendees" => ("参会人数", "Attendees"),
        "approve" => ("同意", "Approve"),
        "note" => ("意见", "Note"),
        "start" => ("公示开始", "Notice start"),
        "end" => ("公示结束", "Notice end"),
        "text" => ("异议内容", "Objection"),
        "upheld" => ("异议成立", "Upheld"),
        "category" => ("监测类别", "Category"),
        "risk_types" => ("风险类型", "Risk types"),
        "reason" => ("理由", "Reason"),
        "visitor" => ("走访人", "Visitor"),
        "changes" => ("变化情况", "Changes"),
        "risk_added" => ("新增风险", "Risks added"),
        "risk_removed" => ("消除风险", "Risks removed"),
        "channel" => ("途径", "Channel"),
        "assistance" => ("救助类型", "Assistance"),
        "granted" => ("批准", "Granted"),
        _ => ("", ""),
    };
    if t.lang == "en" { en } else { zh }
}
