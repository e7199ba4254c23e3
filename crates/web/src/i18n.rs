//! UI strings, one table per language, so that a translator, not a
//! programmer, changes them. Chinese is the default; the `lang` cookie
//! (`/lang/en`) switches to English.
//!
//! One mechanism: a page's text is a key of [`Texts`] (`t.save`), the
//! labels of form fields are the tables' `event_fields` (a department
//! row's fields carry theirs in `dixian_screen::feed::fields`, the one
//! schema of the typed rows), and a string holding numbers is filled with
//! [`fill`].
//! Coded values (categories, stages, feed kinds…) carry their own 中文 and
//! English labels with their codes, because imports accept them too;
//! [`Texts::label`] picks the one of the page's language. Nothing outside
//! this file looks at the language. The tests below check that every key
//! has both languages and that the templates use only keys that exist.

/// The two languages of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// 中文, the default.
    Zh,
    /// English.
    En,
}

/// Declares [`Texts`] with one `&'static str` per key, and
/// [`Texts::entries`] listing them (the tests check both tables).
macro_rules! texts {
    ($($(#[$doc:meta])* $name:ident,)+) => {
        /// Every string the pages show.
        #[derive(Debug)]
        pub struct Texts {
            /// Which language the table is.
            pub language: Language,
            /// Language code for `<html lang>`.
            pub lang: &'static str,
            /// Labels of case-event form fields, by JSON name.
            pub event_fields: &'static [(&'static str, &'static str)],
            $($(#[$doc])* pub $name: &'static str,)+
        }

        impl Texts {
            /// Every string of the table with its key, in declaration order.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($name), self.$name)),+]
            }
        }
    };
}

texts! {
    /// Product name.
    app,
    /// Tagline.
    tagline,
    /// Login.
    login,
    /// Logout.
    logout,
    /// Username.
    username,
    /// Password.
    password,
    /// Wrong login.
    login_failed,
    /// Regions.
    regions,
    /// Households.
    households,
    /// Persons.
    persons,
    /// Monitored households.
    monitored,
    /// Household number.
    number,
    /// Village.
    village,
    /// Head.
    head,
    /// ID number.
    id_number,
    /// Members.
    members,
    /// Category.
    category,
    /// Former registered poor.
    formerly_poor,
    /// Income per person.
    income_pp,
    /// Housing.
    housing,
    /// Water.
    water,
    /// Search.
    search,
    /// Name.
    name,
    /// All.
    all,
    /// Any monitored category.
    any_monitored,
    /// Yes.
    yes,
    /// No.
    no,
    /// Address.
    address,
    /// Relation.
    relation,
    /// Sex.
    sex,
    /// Age.
    age,
    /// Labor capacity.
    labor,
    /// Health.
    health,
    /// Disability.
    disability,
    /// School.
    school,
    /// Insurance.
    insurance,
    /// Employment.
    employment,
    /// Phone.
    phone,
    /// Income by source.
    income,
    /// Wage income.
    wage,
    /// Production income.
    production,
    /// Property income.
    property,
    /// Transfer income.
    transfer,
    /// Medical expense.
    medical_expense,
    /// Schooling expense.
    schooling_expense,
    /// Farmland.
    farmland,
    /// Version.
    version,
    /// Previous page.
    prev,
    /// Next page.
    next,
    /// Total.
    total,
    /// None.
    none,
    /// Other language switch label.
    switch_lang,
    /// Other language code.
    other_lang,
    /// API docs.
    api_docs,
    /// Not found page.
    not_found,
    /// The phone header's menu button.
    menu,
    /// Heading of an error page (any status).
    error_title,
    /// Heading of a 403 page.
    error_forbidden,
    /// Heading of a 404 page.
    error_not_found,
    /// An error page's link to the start page.
    back_home,
    /// A failed page of the role's reach: what it may not do.
    forbidden_message,
    /// Household history.
    history,
    /// 风险消除条件: heading of the elimination check on the case page.
    elimination_check,
    /// Column: criterion.
    criterion,
    /// Column: whether it holds.
    criterion_result,
    /// Column: why.
    criterion_why,
    /// A criterion that holds.
    criterion_holds,
    /// A criterion that fails.
    criterion_fails,
    /// All criteria hold.
    elimination_eligible,
    /// Some criterion fails.
    elimination_not_eligible,
    /// The county approved over failing criteria: heading.
    elimination_override,
    /// Land unit.
    mu,
    /// Yuan per year.
    yuan_year,
    /// Role.
    role,
    /// Save.
    save,
    /// Cancel.
    cancel,
    /// Edit household.
    edit_household,
    /// New household.
    new_household,
    /// Add member.
    add_member,
    /// Edit member.
    edit_member,
    /// Edit (short).
    edit,
    /// Village group.
    village_group,
    /// Forest land.
    forest,
    /// Stale version.
    stale,
    /// Disability grade.
    disability_grade,
    /// Student status.
    student_status,
    /// Inbox.
    inbox,
    /// Department feeds.
    feeds,
    /// Cases waiting.
    cases_waiting,
    /// Leads to check.
    leads_waiting,
    /// Overdue.
    overdue,
    /// Stage.
    stage,
    /// Since.
    since,
    /// Due.
    due,
    /// Declarations not yet matched to a household.
    unmatched_leads,
    /// Reference.
    reference,
    /// Channel.
    channel,
    /// What happened.
    what_happened,
    /// Monitoring case.
    case_title,
    /// The lead (线索) section's heading.
    lead_section,
    /// The lead's note.
    lead_note,
    /// The lead's suspected risk types.
    suspected_risks,
    /// The dossier: what every step recorded.
    dossier,
    /// Marks a category or risk types the village proposed, not yet approved.
    proposed_mark,
    /// The department rows of the data comparison.
    department_rows,
    /// The department rows listed for the data comparison.
    cmp_title,
    /// The period compared: from, to, days.
    cmp_period,
    /// No department row of the members in the period.
    cmp_no_rows,
    /// The rows cannot be listed: why follows.
    cmp_unavailable,
    /// A row's person (masked).
    cmp_person,
    /// A row's date.
    cmp_date,
    /// The warnings a row is evidence of.
    cmp_warned,
    /// The checkbox: this row was reviewed.
    cmp_reviewed,
    /// The finding for a feed kind.
    cmp_finding,
    /// The note of a finding.
    cmp_note,
    /// No finding chosen yet.
    cmp_choose,
    /// The rows a recorded comparison reviewed.
    cmp_rows_of_step,
    /// A reviewed row that is not a row number.
    cmp_bad_row,
    /// The decision form's heading.
    decision_title,
    /// Decision: approve.
    choice_approve,
    /// Decision: return for more material.
    choice_return,
    /// Decision: refuse (identification).
    choice_refuse,
    /// Decision: refuse (elimination).
    choice_refuse_elimination,
    /// The decision's reason field.
    decision_reason,
    /// The refusal's confirmation box.
    confirm_refusal,
    /// The refusal's confirmation box (elimination).
    confirm_refusal_elimination,
    /// A decision without a choice.
    choose_decision,
    /// A review's result: approved.
    decided_yes,
    /// A review's result: not approved.
    decided_no,
    /// The pending return's banner.
    returned_banner,
    /// The return's reason (inbox column).
    returned_reason,
    /// Attachments heading.
    attachments,
    /// No attachments yet.
    no_attachments,
    /// The upload form's file field.
    attach_file,
    /// The upload button.
    attach_button,
    /// An attachment's size.
    attachment_size,
    /// Success message after a step.
    done_recorded,
    /// Success message after an upload.
    done_attached,
    /// Who: a resident's declaration.
    by_resident,
    /// Who: the operator's command line.
    by_system,
    /// Timeline: a household created.
    tl_create,
    /// Timeline: a household changed.
    tl_update,
    /// Timeline: a household imported.
    tl_import,
    /// Timeline: the category set by approval.
    tl_category,
    /// Timeline: migrated.
    tl_migrated,
    /// Timeline: another registry change.
    tl_registry,
    /// Risk types.
    risk_types,
    /// Notice.
    notice,
    /// Record.
    record,
    /// When.
    when,
    /// Event.
    event,
    /// By.
    who,
    /// Self-declaration.
    declare_title,
    /// If illness, disability, disaster, an accident or a lost job has put your household in difficulty, declare it here; a village cadre will visit within days..
    declare_intro,
    /// Received. Keep this reference:.
    declare_done,
    /// Check the status.
    declare_status,
    /// Village code (12 digits).
    village_code,
    /// Where you live.
    declare_where,
    /// Township.
    declare_township,
    /// — choose your township —.
    declare_pick_township,
    /// Village.
    declare_village,
    /// — choose your village —.
    declare_pick_village,
    /// Or type part of the village's name.
    declare_search,
    /// Show the villages.
    declare_show_villages,
    /// No village has that name; please choose from the list.
    declare_no_village_found,
    /// Almost done: please correct what is marked in red.
    declare_fix,
    /// Please choose your village.
    declare_err_village,
    /// Please give your name as registered (at most 50 characters).
    declare_err_name,
    /// This ID number is not right; please check its 18 characters (the last may be X).
    declare_err_id,
    /// This phone number is not right; please give a number the village can call.
    declare_err_phone,
    /// Please say what difficulty your household faces (at most 2000 characters).
    declare_err_note,
    /// Your declaration could not be sent just now; please try again later.
    declare_failed,
    /// No declaration has this reference number; please check it and try again.
    declare_not_found,
    /// Progress.
    declare_steps,
    /// Received.
    step_received,
    /// Home visit.
    step_home_check,
    /// Village discussion.
    step_deliberation,
    /// Public notice.
    step_notice,
    /// Township review.
    step_township,
    /// County approval.
    step_county,
    /// Result.
    step_outcome,
    /// In progress.
    step_now,
    /// Not yet.
    step_waiting,
    /// Submit.
    submit,
    /// Timeline.
    timeline,
    /// Open case.
    open_case,
    /// New lead.
    new_lead,
    /// Warnings (预警).
    warnings,
    /// Open warnings.
    warnings_open,
    /// suspected.
    suspected,
    /// Threshold (of the rule set version).
    threshold_in_force,
    /// Evidence total.
    evidence_total,
    /// rows.
    evidence_rows,
    /// Why it was raised.
    why_raised,
    /// New warnings of screening run.
    warnings_of_run,
    /// Risk type.
    risk_type,
    /// Severity.
    severity,
    /// Status.
    status,
    /// Rule.
    rule,
    /// Rule set.
    rule_set,
    /// Evidence.
    evidence,
    /// Evidence dates.
    evidence_dates,
    /// Person.
    person,
    /// Verify (opens a lead).
    verify,
    /// Dismiss.
    dismiss,
    /// Reason to dismiss.
    dismiss_reason,
    /// Note on verification.
    verify_note,
    /// Filter.
    filter,
    /// Run screening.
    run_screening,
    /// Last screening run.
    last_run,
    /// No warnings.
    no_warnings,
    /// Title of the alert pages and the inbox section.
    alerts_title,
    /// The header's link to the alerts.
    alerts_nav,
    /// What the alert page is for.
    alerts_intro,
    /// Nothing to list.
    no_alerts,
    /// Level column.
    alert_level,
    /// Region column.
    alert_region,
    /// Window column.
    alert_window,
    /// Households column.
    alert_households,
    /// Baseline column.
    alert_usual,
    /// Threshold column.
    alert_threshold,
    /// Villages of the evidence.
    alert_villages,
    /// The alert in one sentence: households, days, mean, windows, threshold.
    alert_sentence,
    /// Evidence table title.
    alert_evidence,
    /// "The first N of M shown" under a long evidence table.
    alert_evidence_cut,
    /// Source column.
    alert_source,
    /// Day column.
    alert_day,
    /// Who was told.
    alert_told,
    /// When raised.
    alert_raised,
    /// Rule set line.
    alert_rule_set,
    /// Resolution field.
    alert_resolution,
    /// Resolve button.
    alert_resolve,
    /// Resolved at.
    alert_resolved_at,
    /// Count of open alerts.
    alert_open_count,
    /// Feed file and line.
    feed_file,
    /// Status open.
    st_open,
    /// Status attached to a case.
    st_attached,
    /// Status verified.
    st_verified,
    /// Status dismissed.
    st_dismissed,
    /// High.
    sev_high,
    /// Medium.
    sev_medium,
    /// Low.
    sev_low,
    /// Rule sets in force.
    rules_in_force,
    /// A rule set's scope when it holds everywhere.
    national,
    /// Adopt a new version.
    adopt_version,
    /// Valid from.
    valid_from,
    /// Adopted at.
    adopted_at,
    /// Monitoring line.
    monitoring_line,
    /// Overdue cases (page title).
    overdue_title,
    /// What the overdue page lists.
    overdue_intro,
    /// Township.
    township,
    /// Number of overdue cases.
    overdue_count,
    /// Days overdue.
    days_over,
    /// The level an overdue case is escalated to.
    escalated_to,
    /// Nothing overdue.
    no_overdue,
    /// Village level.
    level_village,
    /// Township level.
    level_township,
    /// County level.
    level_county,
    /// As of.
    as_of,
    /// New warnings.
    new_warnings,
    /// Adopted version.
    adopted_version,
    /// Unchanged version.
    unchanged_version,
    /// File name.
    file_name,
    /// Rule file text.
    rule_text,
    /// Hidden for this role.
    hidden,
    /// When raised.
    raised_at,
    /// What-if replay.
    whatif,
    /// What-if help.
    whatif_help,
    /// Period start.
    period_from,
    /// Period end.
    period_to,
    /// In force.
    in_force,
    /// Draft.
    draft,
    /// Total.
    grand_total,
    /// Rules form: rs_line.
    rs_line,
    /// Rules form: rs_medical.
    rs_medical,
    /// Rules form: rs_disaster.
    rs_disaster,
    /// Rules form: rs_water.
    rs_water,
    /// Rules form: rs_workflow.
    rs_workflow,
    /// Rules form: rs_assistance.
    rs_assistance,
    /// Rules form: rf_monitoring_line.
    rf_monitoring_line,
    /// Rules form: rf_near_line_factor.
    rf_near_line_factor,
    /// Rules form: rf_self_paid_per_stay.
    rf_self_paid_per_stay,
    /// Rules form: rf_self_paid_12_months.
    rf_self_paid_12_months,
    /// Rules form: rf_loss_threshold.
    rf_loss_threshold,
    /// Rules form: rf_outage_days_limit.
    rf_outage_days_limit,
    /// Rules form: rf_notice_min_days.
    rf_notice_min_days,
    /// Rules form: rf_identification_limit_days.
    rf_identification_limit_days,
    /// Rules form: rf_home_check_days.
    rf_home_check_days,
    /// Rules form: rf_data_comparison_days.
    rf_data_comparison_days,
    /// Rules form: the data comparison's window of department rows.
    rf_comparison_window_days,
    /// Rules form: rf_deliberation_days.
    rf_deliberation_days,
    /// Rules form: rf_township_review_days.
    rf_township_review_days,
    /// Rules form: rf_county_approval_days.
    rf_county_approval_days,
    /// Rules form: rf_elimination_min_monitored_months.
    rf_elimination_min_monitored_months,
    /// Rules form: rf_elimination_income_stable_months.
    rf_elimination_income_stable_months,
    /// Rules form: rf_elimination_min_measures.
    rf_elimination_min_measures,
    /// Rules form: rf_first_measure_days.
    rf_first_measure_days,
    /// Rules form: rf_effect_review_months.
    rf_effect_review_months,
    /// Rules form: rf_visit_interval_days.
    rf_visit_interval_days,
    /// Rules form: rf_house_damage.
    rf_house_damage,
    /// Rules form: rf_housing_grades.
    rf_housing_grades,
    /// Rules form: unit_yuan_pp.
    unit_yuan_pp,
    /// Rules form: unit_yuan.
    unit_yuan,
    /// Rules form: unit_times.
    unit_times,
    /// Rules form: unit_days.
    unit_days,
    /// Rules form: unit_months.
    unit_months,
    /// Rules form: unit_measures.
    unit_measures,
    /// Rules form: err_required.
    err_required,
    /// Rules form: err_not_number.
    err_not_number,
    /// Rules form: err_not_whole.
    err_not_whole,
    /// Rules form: err_not_positive.
    err_not_positive,
    /// Rules form: err_money_decimals.
    err_money_decimals,
    /// Rules form: err_too_large.
    err_too_large,
    /// Rules form: err_factor_range.
    err_factor_range,
    /// Rules form: err_below_floor.
    err_below_floor,
    /// Rules form: rule_error_at.
    rule_error_at,
    /// Rules form: set_in_force_here.
    set_in_force_here,
    /// Rules form: draft_form.
    draft_form,
    /// Rules form: draft_help.
    draft_help,
    /// Rules form: screening_rules.
    screening_rules,
    /// Rules form: rule_on.
    rule_on,
    /// Rules form: description.
    description,
    /// Rules form: current_value.
    current_value,
    /// Rules form: expert_toml.
    expert_toml,
    /// Rules form: difference.
    difference,
    /// Rules form: adopt_draft_as.
    adopt_draft_as,
    /// Rules form: rules_changed.
    rules_changed,
    /// Rules form: whatif_stats.
    whatif_stats,
    /// The button that shows ID numbers and phones in full.
    reveal,
    /// Its optional reason.
    reveal_reason,
    /// Said once they are shown in full.
    revealed_note,
    /// Back to the masked page.
    mask_again,
    /// ID number field of a member form, shown masked.
    id_number_kept,
    /// Phone field of a member form, shown masked.
    phone_kept,
    /// Male, as the member list shows it.
    sex_male,
    /// Female, as the member list shows it.
    sex_female,
    /// Health details not shown to the role.
    health_withheld,
    /// A form could not be saved for an internal reason.
    internal_error,
    /// A required field left empty.
    required,
    /// A choice the form does not know.
    unknown_value,
    /// A number below zero or not a number.
    non_negative,
    /// A phone that is not a mobile number.
    mobile_11,
    /// A count that is not a whole number.
    whole_number,
    /// A form value that must be a date.
    date_expected,
    /// A case-event form that does not make an event.
    form_invalid,
    /// A case-event form of no known event.
    unknown_event,
    /// Too many self-declarations from one address.
    declare_too_many,
    /// A page write from another site, refused. Said in both languages in both tables: whoever is sent here from another site may not read the page's language.
    cross_site,
    /// Back to the start.
    back,
    /// Heading of the feeds page.
    feeds_heading,
    /// The kind of a feed.
    feed_kind,
    /// The file of an upload.
    upload_file,
    /// Keep the good rows of a file with bad ones.
    feed_keep_good,
    /// Check a file without loading it.
    feed_errors_help,
    /// Download the error report.
    feed_errors_report,
    /// The import button.
    feed_import,
    /// A file loaded: rows, matched, not registered, duplicates.
    feed_loaded,
    /// A file loaded before, by its batch.
    feed_already_loaded,
    /// A file refused, with its number of problems.
    feed_rejected,
    /// Only the first problems are listed.
    feed_first_shown,
    /// Where a problem is: a line.
    feed_at_line,
    /// Where a problem is: a column.
    feed_at_column,
    /// The batches loaded.
    batches,
    /// Rows of a batch.
    rows,
    /// Rows matched to a household.
    matched,
    /// Rows of people not in the registry.
    unregistered,
    /// When a batch was loaded.
    imported_at,
    /// Chain check.
    chain_report,
    /// Assistance chain report.
    chain_report_title,
    /// All rules.
    all_rules,
    /// Rows with findings only.
    findings_only,
    /// Findings.
    findings,
    /// Measure.
    measure,
    /// Department.
    department,
    /// Amount (yuan).
    amount_yuan,
    /// Start.
    starts_on,
    /// End.
    ends_on,
    /// Source.
    source,
    /// Evidence.
    evidence_doc,
    /// Whole household.
    whole_household,
    /// {} households in the report (page {} of {}, {} per page); {} checked on this page, {} rows.
    report_summary,
    /// {} households not checked: no measure catalogue in force for their region.
    no_catalogue_note,
    /// No rows match.
    no_rows,
    /// Assistance.
    assistance_tab,
    /// Household card.
    card_tab,
    /// Assistance card.
    card_print,
    /// Assistance plan.
    plan,
    /// Plan status.
    plan_status,
    /// Helper.
    helper,
    /// Unit.
    helper_unit,
    /// Start.
    plan_start,
    /// Review due.
    review_on,
    /// Planned measures.
    planned_measures,
    /// Reason.
    reason,
    /// No plan yet.
    no_plan,
    /// The household has no case: no plan can be made yet.
    no_case_for_plan,
    /// Propose a plan.
    propose_plan,
    /// Confirm the plan.
    confirm_plan,
    add_planned,
    remove_planned,
    plan_reason,
    /// Assign the helper.
    assign_helper,
    /// (none).
    no_helper,
    /// Assistance chain: measures received.
    chain_title,
    /// No measures recorded.
    no_measures,
    /// Follow-up visits.
    visits_title,
    /// No visits recorded.
    no_visits,
    /// Record a follow-up visit.
    visit_form,
    /// Visit date.
    visited_on,
    /// Income from.
    income_from,
    /// Income to.
    income_to,
    /// Wages (yuan).
    wage_yuan,
    /// Business (yuan).
    business_yuan,
    /// Property (yuan).
    property_yuan,
    /// Transfers (yuan).
    transfer_yuan,
    /// Persons living on it.
    persons_living,
    /// Basic needs (两不愁三保障).
    basic_needs,
    /// Food.
    need_food,
    /// Clothing.
    need_clothing,
    /// Schooling.
    need_schooling,
    /// Basic medical care.
    need_medical,
    /// Safe housing.
    need_housing,
    /// Safe drinking water.
    need_water,
    /// Effect.
    measure_effect,
    /// Note.
    visit_note,
    /// Income (yuan).
    income_total,
    /// Per person per year (yuan).
    income_pp_year,
    /// All secure.
    needs_secure,
    /// Gaps.
    needs_gap,
    /// Record a measure.
    add_measure,
    /// Save the visit.
    save_visit,
    /// Save the measure.
    save_measure,
    /// Effect review (帮扶成效).
    effect_title,
    /// 救助链检查 section title.
    chain_check_title,
    /// No chain finding.
    chain_check_clean,
    /// The measures a finding rests on.
    finding_measures,
    /// Income per person before the plan.
    income_before,
    /// Income per person since the plan.
    income_after,
    /// Development measures to adjust.
    to_adjust,
    /// Nothing to adjust.
    nothing_to_adjust,
    /// Stack protection.
    stack_protection,
    /// Visit saved..
    saved_visit,
    /// Measure saved..
    saved_measure,
    /// Plan saved..
    saved_plan,
    /// Helper saved..
    saved_helper,
    /// Please correct the marked fields; what you typed is kept..
    form_errors,
    /// Enter an amount of at least 0 (yuan, at most 2 decimals).
    bad_yuan,
    /// Enter a date (year-month-day).
    bad_date,
    /// Enter a whole number of at least 1.
    bad_count,
    /// Choose from the list.
    bad_choice,
    /// Assistance card (明白卡).
    card_print_title,
    /// Risks.
    card_risks,
    /// Policies enjoyed.
    card_policies,
    /// If in difficulty, call your helper or the village committee..
    card_contact,
    /// Print the household card.
    household_print,
    /// Title of the printed household card.
    household_print_title,
    /// The current case's stage.
    case_stage_now,
    /// Printed on (date).
    printed_on,
    /// Link to the home-check form.
    home_check_link,
    /// Title of the home-check form (入户核查表).
    home_check_title,
    /// The household's registered facts.
    home_check_household,
    /// A member's situation found at the visit.
    home_check_member_now,
    /// Income and expenses by source.
    home_check_income,
    /// Income source.
    income_source,
    /// The registered value.
    home_check_registered,
    /// The value found at the visit.
    home_check_found,
    /// 两不愁三保障 and safe water.
    home_check_guarantees,
    /// 不愁吃.
    check_food,
    /// 不愁穿.
    check_clothing,
    /// 义务教育有保障.
    check_schooling,
    /// 基本医疗有保障.
    check_medical,
    /// 住房安全有保障.
    check_housing,
    /// 饮水安全有保障.
    check_water,
    /// Findings of the visit (blank lines).
    home_check_findings,
    /// The cadre's signature.
    home_check_cadre_sign,
    /// The head of household's signature.
    home_check_head_sign,
    /// Date of the visit.
    home_check_date,
    /// A blank date to write in.
    home_check_date_blank,
    /// Roster of helpers.
    helpers_title,
    /// Households held.
    workload,
    /// The households a helper holds inside the reader's area (links).
    held_households,
    /// Title of the list of open plans to follow.
    to_follow_title,
    /// What the list of plans to follow holds.
    to_follow_intro,
    /// No plan to follow.
    none_to_follow,
    /// Measures of the household in the plan's time (column).
    measures_in_plan,
    /// A plan's review is due (marker).
    review_is_due,
    /// Add a helper.
    add_helper,
    /// The roster is empty.
    no_helpers,
    /// Helpers.
    helpers_nav,
    /// The notice's print button.
    print,
    /// The notice as a workbook.
    download_xlsx,
    /// Title of the figures page.
    fig_title,
    /// Title of the dashboard.
    dashboard_title,
    /// First month of the period.
    fig_from,
    /// Last month of the period.
    fig_to,
    /// Show the period.
    fig_show,
    /// The workbook sent upward.
    fig_report_xlsx,
    /// Where the definitions are.
    fig_definitions,
    /// Monitored households.
    fig_monitored,
    /// Unit: households.
    fig_hh,
    /// Unit: persons.
    fig_persons,
    /// Households whose risk is eliminated.
    fig_eliminated_apart,
    /// Breakdown by category.
    fig_by_category,
    /// Breakdown by risk type.
    fig_by_risk,
    /// What happened in the period.
    fig_flows,
    /// A month.
    fig_month,
    /// Newly identified households.
    fig_new,
    /// Eliminations approved.
    fig_eliminated,
    /// Re-entries.
    fig_re_entered,
    /// Elimination rollbacks.
    fig_rolled_back,
    /// Warnings raised.
    fig_raised,
    /// Total row.
    fig_total,
    /// Lead to identification time.
    fig_ident,
    /// Identifications approved.
    fig_approved,
    /// Median days.
    fig_median_days,
    /// 90th percentile days.
    fig_p90_days,
    /// Overdue cases.
    fig_overdue,
    /// As of a day.
    fig_as_of,
    /// Case stage.
    fig_stage,
    /// Warnings per feed and rule.
    fig_warnings,
    /// Feed kind.
    fig_feed,
    /// Rule id.
    fig_rule,
    /// Warnings verified.
    fig_verified,
    /// Warnings dismissed.
    fig_dismissed,
    /// Warnings attached to an open case.
    fig_attached,
    /// Assistance figures.
    fig_assistance,
    /// Monitored households without an ongoing measure.
    fig_without_measure,
    /// Members able to work.
    fig_able,
    /// Able members without a development measure.
    fig_able_no_dev,
    /// Coverage table.
    fig_coverage,
    /// Households covered.
    fig_covered,
    /// Coverage rate.
    fig_rate,
    /// Child regions table.
    fig_children,
    /// Housing guarantee.
    fig_cov_housing,
    /// Water.
    fig_cov_water,
    /// Education guarantee.
    fig_cov_education,
    /// Medical guarantee.
    fig_cov_medical,
    /// Bar chart title.
    dash_bars,
    /// Trend chart title.
    dash_trend,
    /// Link to the figures page.
    dash_figures_link,
    /// Link to the household list.
    dash_households_link,
    /// Navigation link to the dashboard.
    nav_dashboard,
    /// The household status colour.
    status_colour,
    /// Red: open warning or case in identification.
    status_red,
    /// Yellow: monitored.
    status_yellow,
    /// Green: no risk or eliminated.
    status_green,
    /// Meaning of red.
    status_red_help,
    /// Title of the households behind a figure.
    behind_title,
    /// What the de-identified list shows and withholds.
    behind_help,
    /// The figure a list counts.
    behind_figure,
    /// Link from the list to the full household list (roles that read households).
    behind_full_list,
    /// 规模性返贫 alerts in the figures.
    fig_alerts,
    /// Alerts open now.
    fig_alerts_open,
    /// Alerts raised in the period.
    fig_alerts_raised,
    /// Alerts resolved in the period.
    fig_alerts_resolved,
    /// Badge of a key assistance county.
    key_county_badge,
    /// Heading of the key counties' figures summed.
    fig_key_counties,
    /// What the key counties' sum is.
    fig_key_counties_help,
    /// Link to the evaluation page.
    fig_to_evaluation,
    /// Title of the evaluation page.
    eval_title,
    /// How a score is computed.
    eval_intro,
    /// No [evaluation] in force.
    eval_not_configured,
    /// The rule set the weights come from.
    eval_rule_set,
    /// Total score.
    eval_score,
    /// Indicator column.
    eval_indicator,
    /// Value column.
    eval_value,
    /// Target column.
    eval_target,
    /// No-marks column.
    eval_zero,
    /// Weight column.
    eval_weight,
    /// Points column.
    eval_points,
    /// Not applicable.
    eval_na,
    /// Download of the scores.
    eval_xlsx,
    /// The region's own line.
    eval_own,
    /// Title of the key county list.
    key_counties_title,
    /// No key county in the region.
    no_key_counties,
    /// Tile map title.
    dash_tiles,
    /// Tile map legend heading.
    dash_tiles_legend,
    /// Tile without households.
    dash_tiles_none,
    /// Meaning of yellow.
    status_yellow_help,
    /// Meaning of green.
    status_green_help,
    /// Jobs page title.
    jobs_title,
    /// Jobs page intro.
    jobs_intro,
    /// No jobs yet.
    jobs_none,
    /// Job kind column.
    job_kind,
    /// Job phase.
    job_phase,
    /// Progress column.
    job_progress,
    /// When asked for.
    job_created,
    /// When it ended.
    job_finished,
    /// Refresh note.
    job_refresh,
    /// Cancel asked.
    job_cancel_asked,
    /// Cancel button.
    job_cancel,
    /// Done of total.
    job_counts,
    /// Link to the batches.
    job_to_batches,
    /// A screening run job.
    job_run_summary,
    /// Link to the run's warnings.
    job_to_warnings,
    /// A what-if job.
    job_whatif_summary,
}

/// 中文 (default).
pub const ZH: Texts = Texts {
    lang: "zh-CN",
    language: Language::Zh,
    event_fields: EVENT_FIELDS_ZH,
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
    menu: "菜单",
    error_title: "出错了",
    error_forbidden: "无权访问",
    error_not_found: "页面不存在",
    back_home: "返回首页",
    forbidden_message: "您的角色无权进行此操作",
    history: "变更记录",
    elimination_check: "风险消除条件",
    criterion: "条件",
    criterion_result: "结果",
    criterion_why: "依据",
    criterion_holds: "✓ 满足",
    criterion_fails: "✗ 未满足",
    elimination_eligible: "各项条件均已满足，可提出风险消除。",
    elimination_not_eligible: "尚有条件未满足：不能提出风险消除；县级审定须填写未达标仍审定的理由。",
    elimination_override: "县级未达标仍审定的理由",
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
    lead_section: "线索",
    lead_note: "线索说明",
    suspected_risks: "疑似风险类型",
    dossier: "办理记录",
    proposed_mark: "（拟认定）",
    department_rows: "信息比对：部门数据预警",
    cmp_title: "比对的部门数据",
    cmp_period: "比对期间：{} 至 {}（{} 天）",
    cmp_no_rows: "比对期间内，本户现有成员无部门数据记录",
    cmp_unavailable: "无法列出部门数据：",
    cmp_person: "人员",
    cmp_date: "日期",
    cmp_warned: "已触发预警",
    cmp_reviewed: "已比对",
    cmp_finding: "比对结论",
    cmp_note: "说明",
    cmp_choose: "请选择",
    cmp_rows_of_step: "已比对的部门数据",
    cmp_bad_row: "已比对数据行编号无效",
    decision_title: "审核决定",
    choice_approve: "同意",
    choice_return: "退回补充",
    choice_refuse: "不予纳入",
    choice_refuse_elimination: "不同意消除",
    decision_reason: "意见 / 理由（退回补充、不予纳入时必填）",
    confirm_refusal: "我确认不予纳入，此决定将结束本案",
    confirm_refusal_elimination: "我确认不同意风险消除，本次消除程序将结束",
    choose_decision: "请选择：同意、退回补充或不予纳入",
    decided_yes: "同意",
    decided_no: "不同意",
    returned_banner: "本案已退回补充，请补充材料后重新办理：",
    returned_reason: "退回理由",
    attachments: "附件",
    no_attachments: "暂无附件",
    attach_file: "上传附件（JPEG、PNG图片或PDF）",
    attach_button: "上传",
    attachment_size: "大小（KB）",
    done_recorded: "已登记：",
    done_attached: "附件已上传",
    by_resident: "农户本人（自主申报）",
    by_system: "系统（命令行导入）",
    tl_create: "建档（新增农户）",
    tl_update: "修改农户信息",
    tl_import: "建档（文件导入）",
    tl_category: "县级审定设定监测类别",
    tl_migrated: "存量监测对象导入",
    tl_registry: "农户信息变更",
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
    declare_where: "您住在哪里",
    declare_township: "乡镇",
    declare_pick_township: "— 请选择乡镇 —",
    declare_village: "村",
    declare_pick_village: "— 请选择村 —",
    declare_search: "或输入村名的一部分查找",
    declare_show_villages: "显示可选的村",
    declare_no_village_found: "没有找到这个名字的村，请从列表里选",
    declare_fix: "还差一点，请按红字提示改一下",
    declare_err_village: "请选择您所在的村",
    declare_err_name: "请填写户口本上的姓名（最多50个字）",
    declare_err_id: "身份证号不对，请核对18位号码（最后一位可以是X）",
    declare_err_phone: "电话号码不对，请填写村里能打通的手机或座机号码",
    declare_err_note: "请写一写家里遇到了什么困难（最多2000字）",
    declare_failed: "暂时无法提交，请稍后再试",
    declare_not_found: "未找到该受理编号，请核对后重试",
    declare_steps: "办理进度",
    step_received: "已受理",
    step_home_check: "入户核实",
    step_deliberation: "村级评议",
    step_notice: "公示",
    step_township: "乡镇审核",
    step_county: "县级审批",
    step_outcome: "结果",
    step_now: "正在办理",
    step_waiting: "未开始",
    submit: "提交",
    timeline: "全部记录",
    open_case: "查看案件",
    new_lead: "登记线索",
    warnings: "预警",
    warnings_open: "待核实预警",
    suspected: "线索所报，待认定",
    threshold_in_force: "阈值（该版本规则）",
    evidence_total: "证据合计",
    evidence_rows: "条",
    why_raised: "预警原因",
    warnings_of_run: "本次筛查新产生的预警：批次",
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
    alerts_title: "规模性风险预警",
    alerts_nav: "规模预警",
    alerts_intro: "同一地方同一风险类型的受影响户数明显高于往常时发出预警，提醒乡镇和县及早处置，守牢不发生规模性返贫底线。",
    no_alerts: "没有待处置的规模性风险预警",
    alert_level: "层级",
    alert_region: "地区",
    alert_window: "时间窗口",
    alert_households: "受影响户数",
    alert_usual: "往常水平（户/窗口）",
    alert_threshold: "预警阈值",
    alert_villages: "涉及村数",
    alert_sentence: "{} 户受影响（{} 天内）；往常每个窗口约 {} 户（{} 个窗口），阈值 {} 户。",
    alert_evidence: "预警依据（户、来源、日期）",
    alert_evidence_cut: "显示前 {} 条，共 {} 条（按日期排序）",
    alert_source: "来源",
    alert_day: "日期",
    alert_told: "已通知",
    alert_raised: "发出时间",
    alert_rule_set: "预警参数所在规则集",
    alert_resolution: "处置情况",
    alert_resolve: "处置并关闭预警",
    alert_resolved_at: "处置时间",
    alert_open_count: "待处置预警",
    feed_file: "文件:行",
    st_open: "待核实",
    st_attached: "已并入案件",
    st_verified: "已核实",
    st_dismissed: "已排除",
    sev_high: "高",
    sev_medium: "中",
    sev_low: "低",
    rules_in_force: "现行规则集",
    national: "全国",
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
    rs_line: "监测收入线",
    rs_medical: "医疗支出",
    rs_disaster: "灾害",
    rs_water: "饮水安全",
    rs_workflow: "识别认定时限与风险消除",
    rs_assistance: "帮扶",
    rf_monitoring_line: "监测收入线（人均纯收入）",
    rf_near_line_factor: "近线系数（收入低于监测线×系数且有刚性支出的也预警）",
    rf_self_paid_per_stay: "单次住院个人自付超过",
    rf_self_paid_12_months: "12个月内个人自付累计超过",
    rf_loss_threshold: "灾害损失超过",
    rf_outage_days_limit: "一年内停水天数超过",
    rf_notice_min_days: "公示最少天数",
    rf_identification_limit_days: "从线索到县级审定",
    rf_home_check_days: "入户核查",
    rf_data_comparison_days: "信息比对",
    rf_comparison_window_days: "信息比对：列出近期部门数据",
    rf_deliberation_days: "民主评议",
    rf_township_review_days: "乡镇审核",
    rf_county_approval_days: "县级审定",
    rf_elimination_min_monitored_months: "风险消除：至少已监测",
    rf_elimination_income_stable_months: "风险消除：收入稳定至少",
    rf_elimination_min_measures: "风险消除：至少帮扶措施",
    rf_first_measure_days: "认定后落实首项帮扶措施",
    rf_effect_review_months: "开发式措施见效期",
    rf_visit_interval_days: "跟踪回访间隔",
    rf_house_damage: "无论损失多少都预警的房屋损毁程度",
    rf_housing_grades: "预警的住房安全等级",
    unit_yuan_pp: "元/人/年",
    unit_yuan: "元",
    unit_times: "倍",
    unit_days: "天",
    unit_months: "个月",
    unit_measures: "项",
    err_required: "请填写",
    err_not_number: "请填写数字",
    err_not_whole: "请填写整数",
    err_not_positive: "必须大于0",
    err_money_decimals: "金额最多两位小数",
    err_too_large: "数值过大",
    err_factor_range: "近线系数应在1到10之间",
    err_below_floor: "不得低于全国底线 {}",
    rule_error_at: "第 {} 行第 {} 列：",
    set_in_force_here: "本地现行规则",
    draft_form: "草案：从现行规则复制，修改后试算",
    draft_help: "只改要改的数字；未勾选的筛查规则在草案中停用。试算不写入任何数据。",
    screening_rules: "筛查规则",
    rule_on: "启用",
    description: "说明",
    current_value: "现行",
    expert_toml: "专家：直接编辑规则文件（TOML）",
    difference: "差额（草案−现行）",
    adopt_draft_as: "采用此草案为第 {} 版",
    rules_changed: "试算后现行规则已被修改（现为第 {} 版），草案未采用。请重新打开规则页、修改并试算后再采用。",
    whatif_stats: "回放部门数据 {} 行，按 {} 个月末计算",
    reveal: "显示完整信息",
    reveal_reason: "查看事由（可不填）",
    revealed_note: "已显示完整身份证号和电话；本次查看已记入审计日志。",
    mask_again: "恢复遮蔽显示",
    id_number_kept: "身份证号（已遮蔽；不改动则保留原号）",
    phone_kept: "联系电话（已遮蔽；不改动则保留原号）",
    sex_male: "男",
    sex_female: "女",
    health_withheld: "不显示（无权查看健康信息）",
    internal_error: "系统错误，请稍后再试",
    required: "必填",
    unknown_value: "无法识别",
    non_negative: "应为非负数",
    mobile_11: "应为11位手机号",
    whole_number: "应为整数",
    date_expected: "应为日期（年-月-日）",
    form_invalid: "表单有误",
    unknown_event: "未知事项",
    declare_too_many: "提交过于频繁，请稍后再试",
    cross_site: "跨站请求被拒绝：请在本系统自己的页面上提交表单。Cross-site request refused: please submit the form from this system's own page.",
    back: "返回",
    feeds_heading: "部门数据导入",
    feed_kind: "类型",
    upload_file: "文件",
    feed_keep_good: "保留正确行",
    feed_errors_help: "只检查文件、不导入：下载每个错误行的行号、列号、字段和原因（Excel）。",
    feed_errors_report: "检查并下载错误报告",
    feed_import: "导入",
    feed_loaded: "已导入：{} 行，匹配 {}，未登记人员 {}，重复 {}",
    feed_already_loaded: "该文件已导入（批次 {}），未重复写入",
    feed_rejected: "发现 {} 处错误，未写入",
    feed_first_shown: "共 {} 处错误，仅列出前 {} 处",
    feed_at_line: "第 {} 行",
    feed_at_column: "第 {} 列",
    batches: "批次",
    rows: "行数",
    matched: "匹配",
    unregistered: "未登记",
    imported_at: "时间",
    chain_report: "救助链核查",
    chain_report_title: "一户(人)一条救助链核查报告",
    all_rules: "全部规则",
    findings_only: "只看有问题的记录",
    findings: "核查发现",
    measure: "措施",
    department: "部门",
    amount_yuan: "金额（元）",
    starts_on: "开始日期",
    ends_on: "结束日期",
    source: "来源",
    evidence_doc: "依据",
    whole_household: "全户",
    report_summary: "共 {} 户在册（第 {} / {} 页，每页 {} 户），本页核查 {} 户，{} 行",
    no_catalogue_note: "{} 户所在地区无措施目录，未核查",
    no_rows: "没有符合条件的记录",
    assistance_tab: "帮扶",
    card_tab: "户卡",
    card_print: "明白卡",
    plan: "帮扶计划（一户一策）",
    plan_status: "计划状态",
    helper: "帮扶责任人",
    helper_unit: "工作单位",
    plan_start: "开始日期",
    review_on: "回访日期",
    planned_measures: "计划措施",
    reason: "理由",
    no_plan: "尚无帮扶计划",
    no_case_for_plan: "该户没有监测案件，暂不能制定帮扶计划",
    propose_plan: "生成建议计划",
    confirm_plan: "确认计划",
    add_planned: "增加一项措施",
    remove_planned: "删除",
    plan_reason: "安排理由",
    assign_helper: "指定帮扶责任人",
    no_helper: "（未指定）",
    chain_title: "救助链：享受的帮扶措施",
    no_measures: "尚无措施记录",
    visits_title: "跟踪回访",
    no_visits: "尚无回访记录",
    visit_form: "记录回访",
    visited_on: "回访日期",
    income_from: "收入起始日",
    income_to: "收入截止日",
    wage_yuan: "工资性收入（元）",
    business_yuan: "生产经营性收入（元）",
    property_yuan: "财产性收入（元）",
    transfer_yuan: "转移性收入（元）",
    persons_living: "共同生活人数",
    basic_needs: "两不愁三保障",
    need_food: "不愁吃",
    need_clothing: "不愁穿",
    need_schooling: "义务教育有保障",
    need_medical: "基本医疗有保障",
    need_housing: "住房安全有保障",
    need_water: "饮水安全有保障",
    measure_effect: "成效",
    visit_note: "备注",
    income_total: "收入合计（元）",
    income_pp_year: "人均年收入（元）",
    needs_secure: "全部有保障",
    needs_gap: "存在问题",
    add_measure: "登记帮扶措施",
    save_visit: "保存回访",
    save_measure: "保存措施",
    effect_title: "帮扶成效",
    chain_check_title: "救助链检查",
    chain_check_clean: "未发现重复享受、互斥措施重叠、措施缺失或贷款逾期。",
    finding_measures: "涉及措施",
    income_before: "计划前人均年收入（元）",
    income_after: "计划后人均年收入（元）",
    to_adjust: "需调整的开发式措施",
    nothing_to_adjust: "暂无需调整的措施",
    stack_protection: "建议叠加兜底保障：开发式帮扶已到评估期，人均收入仍低于监测线",
    saved_visit: "回访已保存。",
    saved_measure: "措施已保存。",
    saved_plan: "帮扶计划已保存。",
    saved_helper: "帮扶责任人已保存。",
    form_errors: "请更正标出的内容，已填写的内容已保留。",
    bad_yuan: "请填写不小于 0 的金额（元，最多两位小数）",
    bad_date: "请填写日期（年-月-日）",
    bad_count: "请填写 1 以上的整数",
    bad_choice: "请从列表中选择",
    card_print_title: "防止返贫致贫帮扶明白卡",
    card_risks: "风险类型",
    card_policies: "享受的政策",
    card_contact: "有困难请联系帮扶责任人或村委会。",
    household_print: "打印农户信息卡",
    household_print_title: "农户基本信息卡",
    case_stage_now: "当前监测环节",
    printed_on: "打印日期",
    home_check_link: "打印入户核查表",
    home_check_title: "防止返贫监测入户核查表",
    home_check_household: "登记信息",
    home_check_member_now: "核查情况",
    home_check_income: "家庭收支（元/年）",
    income_source: "项目",
    home_check_registered: "登记数",
    home_check_found: "核实数",
    home_check_guarantees: "两不愁三保障及饮水安全",
    check_food: "不愁吃",
    check_clothing: "不愁穿",
    check_schooling: "义务教育有保障",
    check_medical: "基本医疗有保障",
    check_housing: "住房安全有保障",
    check_water: "饮水安全有保障",
    home_check_findings: "核查发现及意见",
    home_check_cadre_sign: "核查人（签字）",
    home_check_head_sign: "户主（签字或按手印）",
    home_check_date: "核查日期",
    home_check_date_blank: "　　　年　　月　　日",
    helpers_title: "帮扶责任人名册",
    workload: "帮扶户数",
    held_households: "本辖区帮扶户",
    to_follow_title: "待跟进的帮扶计划",
    to_follow_intro: "本辖区未结束的帮扶计划中，已到回访日期或尚无帮扶措施的户；已消除风险（计划已结束）的户不列入",
    none_to_follow: "没有待跟进的帮扶计划",
    measures_in_plan: "计划期内措施数",
    review_is_due: "已到回访日期",
    add_helper: "添加帮扶责任人",
    no_helpers: "名册为空",
    helpers_nav: "帮扶责任人",
    print: "打印",
    download_xlsx: "下载 Excel (XLSX)",
    fig_title: "监测帮扶统计",
    dashboard_title: "监测帮扶看板",
    fig_from: "起始月份",
    fig_to: "截止月份",
    fig_show: "查询",
    fig_report_xlsx: "下载上报统计表 (XLSX)",
    fig_definitions: "统计口径见《指标说明》(docs/figures.md)",
    fig_monitored: "监测对象",
    fig_hh: "户",
    fig_persons: "人",
    fig_eliminated_apart: "已消除风险",
    fig_by_category: "监测类别",
    fig_by_risk: "风险类型",
    fig_flows: "期间变动",
    fig_month: "月份",
    fig_new: "新识别",
    fig_eliminated: "风险消除",
    fig_re_entered: "返贫",
    fig_rolled_back: "消除回退",
    fig_raised: "预警产生",
    fig_total: "合计",
    fig_ident: "识别用时",
    fig_approved: "认定户数",
    fig_median_days: "中位数(天)",
    fig_p90_days: "P90(天)",
    fig_overdue: "超期案件",
    fig_as_of: "截至",
    fig_stage: "环节",
    fig_warnings: "预警处置",
    fig_feed: "数据来源",
    fig_rule: "规则",
    fig_verified: "核实",
    fig_dismissed: "排除",
    fig_attached: "并入案件",
    fig_assistance: "帮扶落实",
    fig_without_measure: "无帮扶措施户",
    fig_able: "有劳动能力人数",
    fig_able_no_dev: "未落实开发式帮扶人数",
    fig_coverage: "三保障和饮水安全",
    fig_covered: "保障户数",
    fig_rate: "保障率",
    fig_children: "下级区划",
    fig_cov_housing: "住房安全",
    fig_cov_water: "饮水安全",
    fig_cov_education: "义务教育",
    fig_cov_medical: "基本医疗",
    dash_bars: "各下级区划监测户数",
    dash_trend: "逐月新识别与风险消除",
    dash_figures_link: "全部统计",
    dash_households_link: "查看监测户",
    nav_dashboard: "统计看板",
    status_colour: "三色码",
    status_red: "红",
    status_yellow: "黄",
    status_green: "绿",
    status_red_help: "有未处理预警或正在识别",
    status_yellow_help: "监测帮扶中",
    status_green_help: "无风险或已消除风险",
    behind_title: "数字背后的农户",
    behind_help: "去标识化名单：户主姓名已遮蔽，不含身份证号、电话、银行账号和健康信息。户数与统计数字一致。",
    behind_figure: "统计指标",
    behind_full_list: "农户名单",
    fig_alerts: "规模性返贫预警",
    fig_alerts_open: "未处置预警",
    fig_alerts_raised: "本期发出",
    fig_alerts_resolved: "本期处置",
    key_county_badge: "重点帮扶县",
    fig_key_counties: "其中：重点帮扶县合计",
    fig_key_counties_help: "同一口径，只汇总本区域内列入乡村振兴重点帮扶县名单的县",
    fig_to_evaluation: "绩效评价",
    eval_title: "绩效评价",
    eval_intro: "各项指标由统计数计算（口径见 docs/figures.md）。每项得分 = 权重 × (实际值 − 零分值) ÷ (满分值 − 零分值)，限于0到权重之间；总分 = 各项得分之和 ÷ 适用指标的权重之和 × 100。无数据的指标不适用，不计入。",
    eval_not_configured: "未配置考核指标：生效的规则集中没有 [evaluation] 部分，请在规则文件中配置后再查看。",
    eval_rule_set: "考核依据",
    eval_score: "总分",
    eval_indicator: "指标",
    eval_value: "实际值",
    eval_target: "满分值",
    eval_zero: "零分值",
    eval_weight: "权重",
    eval_points: "得分",
    eval_na: "不适用",
    eval_xlsx: "下载评价表 (XLSX)",
    eval_own: "本级",
    key_counties_title: "重点帮扶县逐县统计",
    no_key_counties: "本区域内没有列入名单的重点帮扶县",
    dash_tiles: "各下级区划监测率（每千户监测户数）",
    dash_tiles_legend: "每千户监测户数",
    dash_tiles_none: "无农户",
    jobs_title: "后台任务",
    jobs_intro: "导入、筛查和规则试算在后台运行；可离开本页，稍后回来查看进度。",
    jobs_none: "暂无任务。",
    job_kind: "任务",
    job_phase: "阶段",
    job_progress: "进度",
    job_created: "提交时间",
    job_finished: "结束时间",
    job_refresh: "页面每2秒自动刷新。",
    job_cancel_asked: "已请求取消，任务将在当前步骤后停止，已写入的数据会回滚。",
    job_cancel: "取消任务",
    job_counts: "已完成 {} / 共 {}",
    job_to_batches: "查看已导入批次",
    job_run_summary: "筛查 #{}：读取 {} 行，新预警 {} 条",
    job_to_warnings: "查看本次新预警",
    job_whatif_summary: "试算 {} 行：现行规则 {} 条预警，草案 {} 条",
};

/// English.
pub const EN: Texts = Texts {
    lang: "en",
    language: Language::En,
    event_fields: EVENT_FIELDS_EN,
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
    menu: "Menu",
    error_title: "Something went wrong",
    error_forbidden: "Not allowed",
    error_not_found: "Page not found",
    back_home: "Back to the start page",
    forbidden_message: "Your role may not do this",
    history: "History",
    elimination_check: "Risk elimination criteria",
    criterion: "Criterion",
    criterion_result: "Result",
    criterion_why: "Why",
    criterion_holds: "✓ holds",
    criterion_fails: "✗ fails",
    elimination_eligible: "Every criterion holds: the elimination may be proposed.",
    elimination_not_eligible: "A criterion fails: elimination cannot be proposed; the county may approve only with a written override reason.",
    elimination_override: "County's override reason",
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
    lead_section: "Lead",
    lead_note: "What was reported",
    suspected_risks: "Suspected risk types",
    dossier: "Case record",
    proposed_mark: " (proposed)",
    department_rows: "Data comparison: department warnings",
    cmp_title: "Department rows to compare",
    cmp_period: "Period compared: {} to {} ({} days)",
    cmp_no_rows: "No department rows of the current members in the period",
    cmp_unavailable: "The department rows cannot be listed: ",
    cmp_person: "Person",
    cmp_date: "Date",
    cmp_warned: "Warnings raised",
    cmp_reviewed: "Reviewed",
    cmp_finding: "Finding",
    cmp_note: "Note",
    cmp_choose: "Choose",
    cmp_rows_of_step: "Department rows reviewed",
    cmp_bad_row: "a reviewed row is not a valid row number",
    decision_title: "Decision",
    choice_approve: "Approve",
    choice_return: "Return for more material",
    choice_refuse: "Refuse",
    choice_refuse_elimination: "Do not eliminate",
    decision_reason: "Opinion / reason (required to return or refuse)",
    confirm_refusal: "I confirm the refusal: this decision ends the case",
    confirm_refusal_elimination: "I confirm: the elimination run ends here",
    choose_decision: "Choose: approve, return for more material, or refuse",
    decided_yes: "Approved",
    decided_no: "Not approved",
    returned_banner: "This case was returned for more material; add it and record the step again:",
    returned_reason: "Reason for return",
    attachments: "Attachments",
    no_attachments: "No attachments",
    attach_file: "Attach a file (JPEG, PNG or PDF)",
    attach_button: "Upload",
    attachment_size: "Size (KB)",
    done_recorded: "Recorded: ",
    done_attached: "File attached",
    by_resident: "The resident (self-declaration)",
    by_system: "System (command line)",
    tl_create: "Household registered",
    tl_update: "Household record changed",
    tl_import: "Household registered (file import)",
    tl_category: "Category set by county approval",
    tl_migrated: "Migrated monitored household",
    tl_registry: "Registry change",
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
    declare_where: "Where you live",
    declare_township: "Township",
    declare_pick_township: "— choose your township —",
    declare_village: "Village",
    declare_pick_village: "— choose your village —",
    declare_search: "Or type part of the village's name",
    declare_show_villages: "Show the villages",
    declare_no_village_found: "No village has that name; please choose from the list",
    declare_fix: "Almost done: please correct what is marked in red",
    declare_err_village: "Please choose your village",
    declare_err_name: "Please give your name as registered (at most 50 characters)",
    declare_err_id: "This ID number is not right; please check its 18 characters (the last may be X)",
    declare_err_phone: "This phone number is not right; please give a number the village can call",
    declare_err_note: "Please say what difficulty your household faces (at most 2000 characters)",
    declare_failed: "Your declaration could not be sent just now; please try again later",
    declare_not_found: "No declaration has this reference number; please check it and try again",
    declare_steps: "Progress",
    step_received: "Received",
    step_home_check: "Home visit",
    step_deliberation: "Village discussion",
    step_notice: "Public notice",
    step_township: "Township review",
    step_county: "County approval",
    step_outcome: "Result",
    step_now: "In progress",
    step_waiting: "Not yet",
    submit: "Submit",
    timeline: "Timeline",
    open_case: "Open case",
    new_lead: "New lead",
    warnings: "Warnings",
    warnings_open: "Open warnings",
    suspected: "as the lead says, not decided yet",
    threshold_in_force: "Threshold (of the rule set version)",
    evidence_total: "Evidence total",
    evidence_rows: "rows",
    why_raised: "Why it was raised",
    warnings_of_run: "New warnings of screening run",
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
    alerts_title: "Early alerts of large-scale risk",
    alerts_nav: "Alerts",
    alerts_intro: "An alert is raised when the households hit by one risk type in one place are well above that place's usual level, so that the township and county act early against large-scale return to poverty.",
    no_alerts: "No alerts",
    alert_level: "Level",
    alert_region: "Place",
    alert_window: "Window",
    alert_households: "Households hit",
    alert_usual: "Usual level (households per window)",
    alert_threshold: "Threshold",
    alert_villages: "Villages",
    alert_sentence: "{} households hit within {} days; usually about {} per window ({} windows), threshold {}.",
    alert_evidence: "Evidence (households, records, days)",
    alert_evidence_cut: "The first {} of {} shown (by day)",
    alert_source: "Record",
    alert_day: "Day",
    alert_told: "Told",
    alert_raised: "Raised",
    alert_rule_set: "Rule set of the alert numbers",
    alert_resolution: "What was done",
    alert_resolve: "Resolve the alert",
    alert_resolved_at: "Resolved at",
    alert_open_count: "Open alerts",
    feed_file: "File:line",
    st_open: "open",
    st_attached: "attached to case",
    st_verified: "verified",
    st_dismissed: "dismissed",
    sev_high: "high",
    sev_medium: "medium",
    sev_low: "low",
    rules_in_force: "Rule sets in force",
    national: "National",
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
    rs_line: "Monitoring line",
    rs_medical: "Medical expenses",
    rs_disaster: "Disasters",
    rs_water: "Drinking water",
    rs_workflow: "Identification time limits and risk elimination",
    rs_assistance: "Assistance",
    rf_monitoring_line: "Monitoring line (income per person)",
    rf_near_line_factor: "Near-line factor (income below line × factor with a rigid expense also warns)",
    rf_self_paid_per_stay: "Self-paid cost of one inpatient stay above",
    rf_self_paid_12_months: "Self-paid cost over 12 months above",
    rf_loss_threshold: "Disaster loss above",
    rf_outage_days_limit: "Water outage days in a year above",
    rf_notice_min_days: "Notice at least",
    rf_identification_limit_days: "Lead to county approval",
    rf_home_check_days: "Home check",
    rf_data_comparison_days: "Data comparison",
    rf_comparison_window_days: "Data comparison: department rows of the last",
    rf_deliberation_days: "Village deliberation",
    rf_township_review_days: "Township review",
    rf_county_approval_days: "County approval",
    rf_elimination_min_monitored_months: "Elimination: monitored at least",
    rf_elimination_income_stable_months: "Elimination: income stable at least",
    rf_elimination_min_measures: "Elimination: measures received at least",
    rf_first_measure_days: "First measure after identification within",
    rf_effect_review_months: "Development measure shows an effect within",
    rf_visit_interval_days: "Follow-up visit every",
    rf_house_damage: "House damage that warns whatever the loss",
    rf_housing_grades: "Housing safety grades that warn",
    unit_yuan_pp: "元 per person per year",
    unit_yuan: "yuan",
    unit_times: "times",
    unit_days: "days",
    unit_months: "months",
    unit_measures: "measures",
    err_required: "Required",
    err_not_number: "Enter a number",
    err_not_whole: "Enter a whole number",
    err_not_positive: "Must be greater than 0",
    err_money_decimals: "At most two decimals",
    err_too_large: "Too large",
    err_factor_range: "The factor must be from 1 to 10",
    err_below_floor: "May not be below the national floor {}",
    rule_error_at: "Line {}, column {}: ",
    set_in_force_here: "The rules in force here",
    draft_form: "Draft: a copy of the rules in force, edit and run a what-if",
    draft_help: "Change only the numbers you mean to; unticked screening rules are off in the draft. A what-if stores nothing.",
    screening_rules: "Screening rules",
    rule_on: "On",
    description: "Description",
    current_value: "In force",
    expert_toml: "Experts: edit the rule file (TOML)",
    difference: "Difference (draft − in force)",
    adopt_draft_as: "Adopt this draft as version {}",
    rules_changed: "The rules in force changed after the what-if (now version {}); the draft was not adopted. Reopen the rules page, edit and run the what-if again.",
    whatif_stats: "{} stored feed rows replayed, evaluated at {} month ends",
    reveal: "Show in full",
    reveal_reason: "Reason (optional)",
    revealed_note: "ID numbers and phones are shown in full; this view is recorded in the audit log.",
    mask_again: "Mask again",
    id_number_kept: "ID number (masked; kept unless you replace it)",
    phone_kept: "Phone (masked; kept unless you replace it)",
    sex_male: "M",
    sex_female: "F",
    health_withheld: "not shown (health data)",
    internal_error: "Internal error, please try again later",
    required: "required",
    unknown_value: "unknown value",
    non_negative: "a non-negative number",
    mobile_11: "an 11-digit mobile number",
    whole_number: "a whole number",
    date_expected: "a date (YYYY-MM-DD)",
    form_invalid: "the form is not valid",
    unknown_event: "unknown event",
    declare_too_many: "Too many declarations from here; please try again later",
    cross_site: "Cross-site request refused: please submit the form from this system's own page. 跨站请求被拒绝：请在本系统自己的页面上提交表单。",
    back: "Back",
    feeds_heading: "Department feeds",
    feed_kind: "Kind",
    upload_file: "File",
    feed_keep_good: "Keep the good rows",
    feed_errors_help: "Check a file without loading it: download every bad row's line, column, field and reason (Excel).",
    feed_errors_report: "Check and download the error report",
    feed_import: "Import",
    feed_loaded: "Loaded: {} rows, {} matched, {} not registered, {} duplicates",
    feed_already_loaded: "Already loaded (batch {}); nothing written again",
    feed_rejected: "{} problems found; nothing written",
    feed_first_shown: "{} problems in all; the first {} are shown",
    feed_at_line: "line {}",
    feed_at_column: "column {}",
    batches: "Batches",
    rows: "Rows",
    matched: "Matched",
    unregistered: "Not registered",
    imported_at: "Loaded at",
    chain_report: "Chain check",
    chain_report_title: "Assistance chain report",
    all_rules: "All rules",
    findings_only: "Rows with findings only",
    findings: "Findings",
    measure: "Measure",
    department: "Department",
    amount_yuan: "Amount (yuan)",
    starts_on: "Start",
    ends_on: "End",
    source: "Source",
    evidence_doc: "Evidence",
    whole_household: "Whole household",
    report_summary: "{} households in the report (page {} of {}, {} per page); {} checked on this page, {} rows",
    no_catalogue_note: "{} households not checked: no measure catalogue in force for their region",
    no_rows: "No rows match",
    assistance_tab: "Assistance",
    card_tab: "Household card",
    card_print: "Assistance card",
    plan: "Assistance plan",
    plan_status: "Plan status",
    helper: "Helper",
    helper_unit: "Unit",
    plan_start: "Start",
    review_on: "Review due",
    planned_measures: "Planned measures",
    reason: "Reason",
    no_plan: "No plan yet",
    no_case_for_plan: "The household has no case: no plan can be made yet",
    propose_plan: "Propose a plan",
    confirm_plan: "Confirm the plan",
    add_planned: "Add a measure to the plan",
    remove_planned: "Remove",
    plan_reason: "Reason",
    assign_helper: "Assign the helper",
    no_helper: "(none)",
    chain_title: "Assistance chain: measures received",
    no_measures: "No measures recorded",
    visits_title: "Follow-up visits",
    no_visits: "No visits recorded",
    visit_form: "Record a follow-up visit",
    visited_on: "Visit date",
    income_from: "Income from",
    income_to: "Income to",
    wage_yuan: "Wages (yuan)",
    business_yuan: "Business (yuan)",
    property_yuan: "Property (yuan)",
    transfer_yuan: "Transfers (yuan)",
    persons_living: "Persons living on it",
    basic_needs: "Basic needs (food, clothing, schooling, medical care, housing, water)",
    need_food: "Food",
    need_clothing: "Clothing",
    need_schooling: "Schooling",
    need_medical: "Basic medical care",
    need_housing: "Safe housing",
    need_water: "Safe drinking water",
    measure_effect: "Effect",
    visit_note: "Note",
    income_total: "Income (yuan)",
    income_pp_year: "Per person per year (yuan)",
    needs_secure: "All secure",
    needs_gap: "Gaps",
    add_measure: "Record a measure",
    save_visit: "Save the visit",
    save_measure: "Save the measure",
    effect_title: "Effect of the plan",
    chain_check_title: "Chain check",
    chain_check_clean: "No double payment, overlapping exclusive measures, missing measure or loan past its term.",
    finding_measures: "Measures",
    income_before: "Income per person a year before the plan (yuan)",
    income_after: "Income per person a year since the plan (yuan)",
    to_adjust: "Development measures to adjust",
    nothing_to_adjust: "No measure to adjust",
    stack_protection: "Stack social protection: development measures are past their review and income per person is still below the line",
    saved_visit: "Visit saved.",
    saved_measure: "Measure saved.",
    saved_plan: "Plan saved.",
    saved_helper: "Helper saved.",
    form_errors: "Please correct the marked fields; what you typed is kept.",
    bad_yuan: "Enter an amount of at least 0 (yuan, at most 2 decimals)",
    bad_date: "Enter a date (year-month-day)",
    bad_count: "Enter a whole number of at least 1",
    bad_choice: "Choose from the list",
    card_print_title: "Household assistance card",
    card_risks: "Risks",
    card_policies: "Policies enjoyed",
    card_contact: "If in difficulty, call your helper or the village committee.",
    household_print: "Print household card",
    household_print_title: "Household information card",
    case_stage_now: "Current case stage",
    printed_on: "Printed on",
    home_check_link: "Print home-check form",
    home_check_title: "Home check form (防止返贫监测)",
    home_check_household: "Registered facts",
    home_check_member_now: "Found at the visit",
    home_check_income: "Income and expenses (yuan/year)",
    income_source: "Item",
    home_check_registered: "Registered",
    home_check_found: "Found",
    home_check_guarantees: "Food, clothing, the three guarantees and safe water",
    check_food: "Enough food",
    check_clothing: "Enough clothing",
    check_schooling: "Compulsory schooling secured",
    check_medical: "Basic medical care secured",
    check_housing: "Safe housing secured",
    check_water: "Safe drinking water secured",
    home_check_findings: "Findings and opinion",
    home_check_cadre_sign: "Checked by (signature)",
    home_check_head_sign: "Head of household (signature or fingerprint)",
    home_check_date: "Date of the visit",
    home_check_date_blank: "____ / ____ / ____",
    helpers_title: "Roster of helpers",
    workload: "Households held",
    held_households: "Households held in your area",
    to_follow_title: "Plans to follow",
    to_follow_intro: "Open plans of your area whose review is due or whose household has no measure yet; households whose risk was eliminated (plan closed) are not listed",
    none_to_follow: "No plan to follow",
    measures_in_plan: "Measures in the plan's time",
    review_is_due: "review due",
    add_helper: "Add a helper",
    no_helpers: "The roster is empty",
    helpers_nav: "Helpers",
    print: "Print",
    download_xlsx: "Download Excel (XLSX)",
    fig_title: "Monitoring figures",
    dashboard_title: "Dashboard",
    fig_from: "From (month)",
    fig_to: "To (month)",
    fig_show: "Show",
    fig_report_xlsx: "Download the report (XLSX)",
    fig_definitions: "Definitions: docs/figures.md",
    fig_monitored: "Monitored",
    fig_hh: "households",
    fig_persons: "persons",
    fig_eliminated_apart: "Risk eliminated",
    fig_by_category: "Category",
    fig_by_risk: "Risk type",
    fig_flows: "Changes in the period",
    fig_month: "Month",
    fig_new: "Newly identified",
    fig_eliminated: "Eliminated",
    fig_re_entered: "Re-entered",
    fig_rolled_back: "Rolled back",
    fig_raised: "Warnings raised",
    fig_total: "Total",
    fig_ident: "Lead to identification",
    fig_approved: "Identified",
    fig_median_days: "Median (days)",
    fig_p90_days: "P90 (days)",
    fig_overdue: "Overdue cases",
    fig_as_of: "as of",
    fig_stage: "Stage",
    fig_warnings: "Warnings",
    fig_feed: "Feed",
    fig_rule: "Rule",
    fig_verified: "Verified",
    fig_dismissed: "Dismissed",
    fig_attached: "Attached",
    fig_assistance: "Assistance",
    fig_without_measure: "Households without a measure",
    fig_able: "Members able to work",
    fig_able_no_dev: "… without a development measure",
    fig_coverage: "Three guarantees and drinking water",
    fig_covered: "Covered",
    fig_rate: "Rate",
    fig_children: "Child regions",
    fig_cov_housing: "Safe housing",
    fig_cov_water: "Safe drinking water",
    fig_cov_education: "Compulsory education",
    fig_cov_medical: "Basic medical insurance",
    dash_bars: "Monitored households by child region",
    dash_trend: "Newly identified and eliminated by month",
    dash_figures_link: "All figures",
    dash_households_link: "Monitored households",
    nav_dashboard: "Dashboard",
    status_colour: "Status",
    status_red: "Red",
    status_yellow: "Yellow",
    status_green: "Green",
    status_red_help: "Open warning or in identification",
    status_yellow_help: "Monitored",
    status_green_help: "No risk, or risk eliminated",
    behind_title: "Households behind the number",
    behind_help: "De-identified list: heads' names masked; no ID numbers, phones, bank accounts or health details. The count equals the figure.",
    behind_figure: "Figure",
    behind_full_list: "Household list",
    fig_alerts: "Large-scale return-to-poverty alerts",
    fig_alerts_open: "Open alerts",
    fig_alerts_raised: "Raised in the period",
    fig_alerts_resolved: "Resolved in the period",
    key_county_badge: "Key county",
    fig_key_counties: "Of which: key assistance counties",
    fig_key_counties_help: "The same figures, summed over the region's counties on a key assistance county list only",
    fig_to_evaluation: "Performance evaluation",
    eval_title: "Performance evaluation",
    eval_intro: "Each indicator is computed from the figures (definitions: docs/figures.md). Points = weight × (value − no-marks value) ÷ (target − no-marks value), kept between 0 and the weight; score = points ÷ the weights of the indicators that apply × 100. An indicator without data does not apply and is left out.",
    eval_not_configured: "Not configured: no rule set in force has an [evaluation] section; configure it in the rule files.",
    eval_rule_set: "Weights from",
    eval_score: "Score",
    eval_indicator: "Indicator",
    eval_value: "Value",
    eval_target: "Full marks at",
    eval_zero: "No marks at",
    eval_weight: "Weight",
    eval_points: "Points",
    eval_na: "n/a",
    eval_xlsx: "Download the scores (XLSX)",
    eval_own: "The region itself",
    key_counties_title: "Key assistance counties, county by county",
    no_key_counties: "No key assistance county in this region",
    dash_tiles: "Monitoring rate by child region (monitored per 1,000 households)",
    dash_tiles_legend: "Monitored per 1,000 households",
    dash_tiles_none: "no households",
    jobs_title: "Background jobs",
    jobs_intro: "Imports, screening runs and what-ifs run in the background; you may leave this page and come back for their progress.",
    jobs_none: "No jobs yet.",
    job_kind: "Job",
    job_phase: "Phase",
    job_progress: "Progress",
    job_created: "Started",
    job_finished: "Ended",
    job_refresh: "This page refreshes every 2 seconds.",
    job_cancel_asked: "Cancellation asked: the job stops after its current step and what it wrote is rolled back.",
    job_cancel: "Cancel job",
    job_counts: "{} of {}",
    job_to_batches: "See the batches loaded",
    job_run_summary: "Run #{}: {} rows read, {} new warnings",
    job_to_warnings: "See the run's new warnings",
    job_whatif_summary: "Replayed {} rows: {} warnings under the rules in force, {} under the draft",
};

/// The table for a language code (the `lang` cookie's value): English
/// for `en`, 中文 for anything else.
pub fn texts(lang: &str) -> &'static Texts {
    match lang {
        "en" => &EN,
        _ => &ZH,
    }
}

/// Case-event form fields, 中文.
const EVENT_FIELDS_ZH: &[(&str, &str)] = &[
    ("visited_on", "日期"),
    ("findings", "核查情况"),
    ("asset_check_consent_signed", "已签订承诺授权书"),
    ("results", "比对结果"),
    ("reviewed_rows", "已比对数据行数"),
    ("held_on", "评议日期"),
    ("attendees", "参会人数"),
    ("approve", "同意"),
    ("note", "意见"),
    ("start", "公示开始"),
    ("end", "公示结束"),
    ("text", "异议内容"),
    ("upheld", "异议成立"),
    ("category", "监测类别"),
    ("risk_types", "风险类型"),
    ("proposed_category", "拟认定类别"),
    ("proposed_risk_types", "拟认定风险类型"),
    ("reason", "理由"),
    ("visitor", "走访人"),
    ("changes", "变化情况"),
    ("override_reason", "未达标仍审定的理由（仅风险消除）"),
    ("risk_added", "新增风险"),
    ("risk_removed", "消除风险"),
    ("channel", "途径"),
    ("assistance", "救助类型"),
    ("granted", "批准"),
];

/// Case-event form fields, English.
const EVENT_FIELDS_EN: &[(&str, &str)] = &[
    ("visited_on", "Date"),
    ("findings", "Findings"),
    ("asset_check_consent_signed", "Asset-check consent signed"),
    ("results", "Results"),
    ("reviewed_rows", "Rows reviewed"),
    ("held_on", "Held on"),
    ("attendees", "Attendees"),
    ("approve", "Approve"),
    ("note", "Note"),
    ("start", "Notice start"),
    ("end", "Notice end"),
    ("text", "Objection"),
    ("upheld", "Upheld"),
    ("category", "Category"),
    ("risk_types", "Risk types"),
    ("proposed_category", "Proposed category"),
    ("proposed_risk_types", "Proposed risk types"),
    ("reason", "Reason"),
    ("visitor", "Visitor"),
    ("changes", "Changes"),
    ("override_reason", "Override reason (elimination only)"),
    ("risk_added", "Risks added"),
    ("risk_removed", "Risks removed"),
    ("channel", "Channel"),
    ("assistance", "Assistance"),
    ("granted", "Granted"),
];

/// Label of a case-event form field, by its JSON name (empty if unknown).
pub fn field_label(t: &Texts, name: &str) -> &'static str {
    lookup(t.event_fields, name).unwrap_or("")
}

fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// `text` with each `{}` replaced by the next of `values` (table strings
/// that hold numbers: `已导入：{} 行`).
pub fn fill(text: &str, values: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(text.len() + 8 * values.len());
    let mut parts = text.split("{}");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        if let Some(v) = values.get(i) {
            out.push_str(&v.to_string());
        }
        out.push_str(part);
    }
    out
}

/// A value that names itself in both languages: the coded values of the
/// domain, the feeds and the store (`Category`, `住院`/`inpatient`, …).
/// Their labels live with the codes (imports accept them too); the page's
/// language picks one here, and only here.
pub trait Bilingual: Copy {
    /// The Chinese label.
    fn zh(self) -> &'static str;
    /// The English label.
    fn en(self) -> &'static str;
}

macro_rules! bilingual {
    ($($ty:ty),+ $(,)?) => {
        $(impl Bilingual for $ty {
            fn zh(self) -> &'static str { <$ty>::label_zh(self) }
            fn en(self) -> &'static str { <$ty>::label_en(self) }
        })+
    };
}

bilingual!(
    dixian_store::jobs::JobKind,
    dixian_store::jobs::JobStatus,
    dixian_store::jobs::Phase,
    dixian_domain::Category,
    dixian_domain::StatusColour,
    dixian_domain::Relation,
    dixian_domain::LaborCapacity,
    dixian_domain::Illness,
    dixian_domain::DisabilityKind,
    dixian_domain::StudentStage,
    dixian_domain::StudentStatus,
    dixian_domain::InsuranceStatus,
    dixian_domain::EmploymentStatus,
    dixian_domain::HousingGrade,
    dixian_domain::DrinkingWater,
    dixian_domain::Channel,
    dixian_domain::RiskType,
    dixian_domain::alerts::AlertStatus,
    dixian_domain::alerts::EventSource,
    dixian_domain::Assistance,
    dixian_domain::Role,
    dixian_domain::case::EventKind,
    dixian_domain::attachment::AttachmentKind,
    dixian_domain::case::CaseStage,
    dixian_domain::case::EliminationCriterion,
    dixian_screen::FeedKind,
    dixian_domain::case::Finding,
    dixian_domain::Condition,
    dixian_domain::assistance::ChainRule,
    dixian_domain::assistance::MeasureKind,
    dixian_domain::assistance::Department,
    dixian_domain::assistance::MeasureStatus,
    dixian_domain::assistance::MeasureSource,
    dixian_domain::assistance::MeasureEffect,
    dixian_domain::assistance::PlanStatus,
    dixian_domain::assistance::AdjustReason,
);

impl Texts {
    /// The language's half of a bilingual reason written `English (中文)`
    /// by the domain (several such pairs may follow each other): Chinese
    /// takes the parenthesised Chinese parts, English the rest.
    pub fn reason(&self, text: &str) -> String {
        let mut en = String::new();
        let mut zh: Vec<String> = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find(" (") {
            let after = &rest[open + 2..];
            let Some(close) = after.find(')') else { break };
            let inner = &after[..close];
            en.push_str(&rest[..open]);
            if inner
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            {
                zh.push(inner.to_string());
            } else {
                en.push_str(&rest[open..open + 2 + close + 1]);
            }
            rest = &after[close + 1..];
        }
        en.push_str(rest);
        match self.language {
            Language::Zh if !zh.is_empty() => zh.join("；"),
            _ => en.trim().to_string(),
        }
    }
}

impl Texts {
    /// The label of `v` in this table's language.
    pub fn label<B: Bilingual>(&self, v: B) -> &'static str {
        self.pick(v.zh(), v.en())
    }

    /// The part in this table's language of a message the lower layers
    /// give as `English (中文)` (a refusal's reason, a finding's evidence);
    /// the whole text when it is not of that form.
    pub fn of_pair<'a>(&self, text: &'a str) -> &'a str {
        let Some(open) = text.rfind(" (") else {
            return text;
        };
        let Some(inner) = text[open + 2..].strip_suffix(')') else {
            return text;
        };
        if inner.is_empty() || open == 0 {
            return text;
        }
        match self.language {
            Language::Zh => inner,
            Language::En => &text[..open],
        }
    }

    /// Whether this table is the English one (for lower layers that
    /// build a sentence in either language, such as a warning's explanation).
    pub fn english(&self) -> bool {
        self.language == Language::En
    }

    /// The one of two texts in this table's language.
    pub fn pick_owned(&self, zh: &str, en: &str) -> String {
        match self.language {
            Language::Zh => zh.to_string(),
            Language::En => en.to_string(),
        }
    }

    /// A day in words of this table's language (2025年3月12日, 12 March 2025).
    pub fn day(&self, d: chrono::NaiveDate) -> String {
        match self.language {
            Language::Zh => d.format("%Y年%-m月%-d日").to_string(),
            Language::En => d.format("%-d %B %Y").to_string(),
        }
    }

    /// One of a pair of labels something else gives in both languages
    /// (a coded value, a stored status): the one of this table's language.
    pub fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        match self.language {
            Language::Zh => zh,
            Language::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bilingual_reason_shows_the_page_language_only() {
        let why = "0 pupil(s) of compulsory age out of school (义务教育阶段辍学0人); \
                   the latest visit found it not secure (最近一次回访认定未保障)";
        assert_eq!(
            ZH.reason(why),
            "义务教育阶段辍学0人；最近一次回访认定未保障"
        );
        assert_eq!(
            EN.reason(why),
            "0 pupil(s) of compulsory age out of school; the latest visit found it not secure"
        );
        // English parentheses stay; text without Chinese is left as it is
        assert_eq!(ZH.reason("x (y) z"), "x (y) z");
        assert_eq!(EN.reason("housing is C (D) (住房C级)"), "housing is C (D)");
    }
    use std::collections::BTreeSet;

    /// Keys whose text is rightly the same in both tables: (key, why).
    /// None now: `cross_site` says both languages, in the other order in each.
    const SAME_IN_BOTH: &[(&str, &str)] = &[];

    #[test]
    fn every_key_has_both_languages() {
        let (zh, en) = (ZH.entries(), EN.entries());
        assert_eq!(zh.len(), en.len());
        let mut problems = Vec::new();
        for ((k, z), (_, e)) in zh.iter().zip(&en) {
            if z.trim().is_empty() {
                problems.push(format!("{k}: 中文 is empty"));
            }
            if e.trim().is_empty() {
                problems.push(format!("{k}: English is empty"));
            }
            let allowed = SAME_IN_BOTH.iter().any(|(a, _)| a == k);
            if z == e && !allowed {
                problems.push(format!("{k}: the same in both tables ({z:?})"));
            }
            if z != e && allowed {
                problems.push(format!(
                    "{k}: allowed to be the same, but differs: drop it from SAME_IN_BOTH"
                ));
            }
        }
        for (name, z, e) in [("event_fields", ZH.event_fields, EN.event_fields)] {
            fn keys<'a>(t: &[(&'a str, &str)]) -> Vec<&'a str> {
                t.iter().map(|(k, _)| *k).collect()
            }
            if keys(z) != keys(e) {
                problems.push(format!("{name}: the keys differ between the tables"));
            }
            for ((k, zv), (_, ev)) in z.iter().zip(e) {
                if zv.trim().is_empty() || ev.trim().is_empty() || zv == ev {
                    problems.push(format!("{name}.{k}: {zv:?} / {ev:?}"));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// What a template may call on `t` besides the keys.
    const METHODS: &[&str] = &["label", "pick", "lang", "language"];

    #[test]
    fn templates_use_only_keys_that_exist() {
        let keys: BTreeSet<&str> = ZH.entries().into_iter().map(|(k, _)| k).collect();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("templates folder") {
            let path = entry.expect("a template").path();
            let text = std::fs::read_to_string(&path).expect("template text");
            for key in uses_of_t(&text) {
                seen += 1;
                if !keys.contains(key.as_str()) && !METHODS.contains(&key.as_str()) {
                    missing.push(format!("{}: t.{key}", path.display()));
                }
            }
        }
        assert!(seen > 100, "the templates' keys were found ({seen})");
        assert!(missing.is_empty(), "keys not in the tables: {missing:?}");
    }

    /// The names after `t.` inside `{{ }}` and `{% %}` of a template.
    fn uses_of_t(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(at) = text[i..].find("t.") {
            let start = i + at;
            i = start + 2;
            let before = start.checked_sub(1).map(|b| bytes[b]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
                continue;
            }
            let name: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
        out
    }

    #[test]
    fn of_pair_picks_the_language() {
        let why = "the amount is above the limit (超过上限)";
        assert_eq!(ZH.of_pair(why), "超过上限");
        assert_eq!(EN.of_pair(why), "the amount is above the limit");
        assert_eq!(ZH.of_pair("plain"), "plain");
        assert_eq!(EN.of_pair("(只有中文)"), "(只有中文)");
    }

    #[test]
    fn fill_puts_values_in_order() {
        assert_eq!(fill(ZH.feed_at_line, &[&7]), "第 7 行");
        assert_eq!(fill("{} of {}", &[&1, &2]), "1 of 2");
    }
}
