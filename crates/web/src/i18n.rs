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
};

/// The table for a language code.
pub fn texts(lang: &str) -> &'static Texts {
    if lang == "en" { &EN } else { &ZH }
}
