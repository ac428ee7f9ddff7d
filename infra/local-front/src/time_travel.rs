//! `POST /_local/time-travel`: moves the local schedule clock forward and
//! fires, in time order, what AWS would have fired on the way: every tick
//! of the template's scheduled EventBridge rules, and every one-time
//! EventBridge Scheduler schedule (`at(...)`) in moto that is due, with the
//! event's `time` the scheduled instant.
//!
//! Fires go out one instant at a time. After an instant's fires, the
//! travel waits until the queues they went to (those a function consumes)
//! are empty again, and lists the schedules anew, so a schedule that work
//! created (the daily sweep scheduling the next sends) fires at its own
//! instant, before later ticks, as in AWS. When nothing is due any more,
//! the whole stack drains and the schedules are listed once more; what
//! appeared meanwhile fires in a further round.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use chrono::{DateTime, LocalResult, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde_json::{json, Value};

use crate::clock::ScheduleClock;
use crate::resources::{resolve_name, LocalResources, ACCOUNT_ID, LOCAL_PREFIX};
use crate::schedule::{fires_between, Schedule};
use crate::streams::Activity;
use crate::template::Template;

/// More rule ticks than this in one travel is refused (400), so
/// `rate(1 minute)` over a year cannot hang the stack.
pub const MAX_RULE_TICKS: usize = 20_000;
/// Rounds (fire, drain, list again) after which a travel stops, in case
/// handlers keep creating schedules that are already due.
pub const MAX_ROUNDS: usize = 100;
/// Schedule fires after which a travel stops, for the same reason.
pub const MAX_SCHEDULE_FIRES: usize = 10_000;
/// How long one wait for the stack to go quiet may take: under the test
/// client's 30 s, so a slow drain answers `drained: false` instead of
/// timing the caller out.
const DRAIN_LIMIT: Duration = Duration::from_secs(25);

/// A scheduled rule of the template, with where its ticks go.
#[derive(Debug, Clone)]
pub struct RuleSchedule {
    /// The rule's name (its `Name`, or `o2c-local-<LogicalId>`), as in the
    /// event's `resources` ARN.
    pub name: String,
    pub schedule: Schedule,
    pub targets: Vec<RuleDelivery>,
}

#[derive(Debug, Clone)]
pub struct RuleDelivery {
    pub queue_url: String,
    /// The target's constant `Input`, sent instead of the event.
    pub input: Option<String>,
}

/// The template's enabled scheduled rules; an expression or target the
/// local front cannot emulate is an error (reported at start-up).
pub fn rules_from_template(template: &Template, local: &LocalResources) -> Result<Vec<RuleSchedule>, String> {
    let mut out = Vec::new();
    for (id, rule) in &template.scheduled_rules {
        let schedule = Schedule::parse(&rule.schedule_expression).map_err(|e| format!("rule {id}: {e}"))?;
        if schedule.is_one_time() {
            return Err(format!("rule {id}: at() is for Scheduler schedules; a rule takes cron() or rate()"));
        }
        let name = match &rule.name {
            Some(n) => resolve_name(template, n, &local.region).map_err(|e| format!("rule {id}: {e}"))?,
            None => None,
        }
        .unwrap_or_else(|| format!("{LOCAL_PREFIX}-{id}"));
        let targets = rule
            .targets
            .iter()
            .map(|t| {
                let queue_url = local.queue_urls.get(&t.resource).cloned().ok_or_else(|| format!("rule {id}: target {} is not an SQS queue of the template, the only target emulated", t.id))?;
                Ok(RuleDelivery { queue_url, input: t.input.clone() })
            })
            .collect::<Result<Vec<_>, String>>()?;
        if !rule.enabled {
            tracing::info!(rule = id.as_str(), "rule is DISABLED; time travel does not fire it");
            continue;
        }
        out.push(RuleSchedule { name, schedule, targets });
    }
    Ok(out)
}

/// What a one-time schedule in moto holds that its fire needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleDetails {
    pub group: String,
    pub name: String,
    pub expression: String,
    pub timezone: String,
    pub enabled: bool,
    pub target_arn: String,
    pub input: Option<String>,
    pub message_group_id: Option<String>,
    pub delete_after_completion: bool,
    /// This schedule, at this expression: one that is deleted and created
    /// again, or moved to another instant, is a new one and fires again.
    pub key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FireKind {
    Rule,
    Schedule,
}

#[derive(Debug, Clone)]
pub enum Source {
    /// Index into the travel's rules.
    Rule(usize),
    Schedule(Box<ScheduleDetails>),
}

#[derive(Debug, Clone)]
pub struct Fire {
    pub time: DateTime<Utc>,
    pub kind: FireKind,
    pub name: String,
    pub source: Source,
}

impl Fire {
    fn group(&self) -> &str {
        match &self.source {
            Source::Schedule(d) => &d.group,
            Source::Rule(_) => "",
        }
    }
}

/// Time order; at one instant rules before schedules, then by name.
pub fn fire_order(a: &Fire, b: &Fire) -> Ordering {
    (a.time, a.kind, &a.name, a.group()).cmp(&(b.time, b.kind, &b.name, b.group()))
}

/// Every tick of every rule in `(from, to]`, in fire order; `Err(cap)`
/// past `cap` ticks in all.
pub fn rule_ticks(rules: &[RuleSchedule], from: DateTime<Utc>, to: DateTime<Utc>, cap: usize) -> Result<Vec<Fire>, usize> {
    let mut out = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        for time in fires_between(&rule.schedule, from, to, cap.saturating_sub(out.len())).map_err(|_| cap)? {
            out.push(Fire { time, kind: FireKind::Rule, name: rule.name.clone(), source: Source::Rule(i) });
        }
    }
    out.sort_by(fire_order);
    Ok(out)
}

/// The fires of the earliest instant among the pending rule ticks (taken
/// from `ticks`, which is in fire order) and the due schedules, in fire
/// order; empty when nothing is left.
pub fn next_batch(ticks: &mut VecDeque<Fire>, due_schedules: Vec<Fire>) -> Vec<Fire> {
    let earliest = ticks.front().map(|f| f.time).into_iter().chain(due_schedules.iter().map(|f| f.time)).min();
    let Some(at) = earliest else { return Vec::new() };
    let mut batch: Vec<Fire> = due_schedules.into_iter().filter(|f| f.time == at).collect();
    while ticks.front().is_some_and(|f| f.time == at) {
        batch.extend(ticks.pop_front());
    }
    batch.sort_by(fire_order);
    batch
}

/// When a schedule is due, in UTC: its `at(...)` read as a wall time of its
/// IANA zone (in a repeated hour the first, in a skipped hour an hour
/// later). `Ok(None)` for a recurring schedule, which time travel does
/// not fire.
pub fn due_instant(expression: &str, timezone: &str) -> Result<Option<DateTime<Utc>>, String> {
    let Schedule::At(at) = Schedule::parse(expression).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let tz: chrono_tz::Tz = timezone.parse().map_err(|_| format!("unknown time zone `{timezone}`"))?;
    let local = |t: NaiveDateTime| match tz.from_local_datetime(&t) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => None,
    };
    local(at).or_else(|| local(at + chrono::Duration::hours(1))).map(Some).ok_or_else(|| format!("{at} does not exist in {timezone}"))
}

/// The body AWS sends a rule's target for a tick: the Scheduled Event.
pub fn scheduled_event(rule: &str, time: DateTime<Utc>, region: &str, id: &str) -> Value {
    json!({
        "version": "0",
        "id": id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": rfc3339(time),
        "region": region,
        "resources": [format!("arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule}")],
        "detail": {},
    })
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A fresh event id in UUID form (a ULID is a UUIDv7 once its version and
/// variant bits are set).
pub fn event_id() -> String {
    let mut b = ulid::Ulid::new().0.to_be_bytes();
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// The queue name of an SQS ARN (`arn:aws:sqs:<region>:<account>:<name>`).
pub fn sqs_queue_name(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "sqs", _, _, name] if !name.is_empty() => Some(name),
        _ => None,
    }
}

fn queue_name_of_url(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// What the travel remembers between calls.
#[derive(Default)]
struct Memory {
    /// Keys of the schedules fired: none fires twice.
    fired: HashSet<String>,
    /// Schedule ARN -> (its last modification, its details).
    details: HashMap<String, (String, ScheduleDetails)>,
    /// Schedules already warned about (recurring, bad zone).
    warned: HashSet<String>,
    /// Queue name -> URL.
    queue_urls: HashMap<String, String>,
}

pub struct TimeTravel {
    pub clock: Arc<ScheduleClock>,
    pub activity: Arc<Activity>,
    rules: Vec<RuleSchedule>,
    /// Name -> URL of the queues a function consumes: after a fire into
    /// one, the travel waits for it to be empty again.
    consumed_queues: HashMap<String, String>,
    region: String,
    sqs: aws_sdk_sqs::Client,
    scheduler: aws_sdk_scheduler::Client,
    /// Held for a whole travel: two travels never interleave their fires.
    memory: tokio::sync::Mutex<Memory>,
}

impl TimeTravel {
    pub fn new(
        aws: &aws_config::SdkConfig,
        clock: Arc<ScheduleClock>,
        activity: Arc<Activity>,
        rules: Vec<RuleSchedule>,
        consumed_queue_urls: impl IntoIterator<Item = String>,
        region: String,
    ) -> Self {
        Self {
            clock,
            activity,
            rules,
            consumed_queues: consumed_queue_urls.into_iter().map(|u| (queue_name_of_url(&u).to_owned(), u)).collect(),
            region,
            sqs: aws_sdk_sqs::Client::new(aws),
            scheduler: aws_sdk_scheduler::Client::new(aws),
            memory: tokio::sync::Mutex::new(Memory::default()),
        }
    }

    /// Travels to `to`; the answer's body, or why the travel is refused.
    pub async fn travel(&self, to: DateTime<Utc>) -> Result<Value, String> {
        let mut memory = self.memory.lock().await;
        let preview = self.clock.now();
        if to <= preview {
            return Ok(self.answer(Vec::new(), self.activity.wait_drained(DRAIN_LIMIT).await));
        }
        // Counted before the clock moves, so a refused travel changes nothing.
        let ticks = rule_ticks(&self.rules, preview, to, MAX_RULE_TICKS).map_err(|cap| {
            format!("more than {cap} rule ticks fall between {} and {}; travel in shorter steps", rfc3339(preview), rfc3339(to))
        })?;
        let Some(from) = self.clock.advance(to) else {
            return Ok(self.answer(Vec::new(), self.activity.wait_drained(DRAIN_LIMIT).await));
        };
        let mut ticks: VecDeque<Fire> = ticks.into_iter().filter(|f| f.time > from).collect();
        // Work queued before the call may create schedules that are due.
        let mut drained = self.activity.wait_drained(DRAIN_LIMIT).await;
        let mut fired = Vec::new();
        let (mut rounds, mut schedule_fires, mut dirty) = (0usize, 0usize, false);
        loop {
            let due = self.due_schedules(&mut memory, to).await;
            let batch = next_batch(&mut ticks, due);
            if batch.is_empty() {
                if !dirty {
                    break;
                }
                drained = self.activity.wait_drained(DRAIN_LIMIT).await;
                dirty = false;
                rounds += 1;
                if rounds >= MAX_ROUNDS {
                    tracing::error!(rounds, "time travel stopped: schedules keep coming due; the answer reports drained: false");
                    drained = false;
                    break;
                }
                continue;
            }
            let mut wait_for = BTreeSet::new();
            for fire in batch {
                let (report, queue) = match &fire.source {
                    Source::Rule(i) => self.fire_rule(&self.rules[*i], fire.time).await,
                    Source::Schedule(d) => {
                        schedule_fires += 1;
                        self.fire_schedule(&mut memory, d).await
                    }
                };
                let mut item = json!({"kind": match fire.kind { FireKind::Rule => "rule", FireKind::Schedule => "schedule" }, "name": fire.name, "time": rfc3339(fire.time), "delivered": report.is_ok()});
                if let Source::Schedule(d) = &fire.source {
                    item["group"] = json!(d.group);
                }
                if let Err(e) = report {
                    item["error"] = json!(e);
                }
                fired.push(item);
                wait_for.extend(queue.into_iter().filter(|q| self.consumed_queues.contains_key(q)));
            }
            dirty = true;
            if !self.wait_consumed(&wait_for).await {
                tracing::warn!(queues = ?wait_for, "fired work did not finish in time; later fires may overtake it");
            }
            if schedule_fires >= MAX_SCHEDULE_FIRES {
                tracing::error!(schedule_fires, "time travel stopped: too many schedule fires; the answer reports drained: false");
                self.activity.wait_drained(DRAIN_LIMIT).await;
                drained = false;
                break;
            }
        }
        Ok(self.answer(fired, drained))
    }

    fn answer(&self, fired: Vec<Value>, drained: bool) -> Value {
        json!({"fired": fired, "now": self.clock.now(), "drained": drained})
    }

    /// Sends a tick to each of the rule's targets; answers the outcome and
    /// the queue (name) it went to.
    async fn fire_rule(&self, rule: &RuleSchedule, time: DateTime<Utc>) -> (Result<(), String>, Vec<String>) {
        let mut outcome = Ok(());
        let mut queues = Vec::new();
        for target in &rule.targets {
            let body = target.input.clone().unwrap_or_else(|| scheduled_event(&rule.name, time, &self.region, &event_id()).to_string());
            if let Err(e) = self.sqs.send_message().queue_url(&target.queue_url).message_body(body).send().await {
                let e = format!("{}", aws_sdk_sqs::error::DisplayErrorContext(e));
                tracing::warn!(rule = rule.name.as_str(), error = e.as_str(), "could not deliver a rule tick");
                outcome = Err(e);
            }
            queues.push(queue_name_of_url(&target.queue_url).to_owned());
        }
        (outcome, queues)
    }

    /// Delivers a schedule's input to its SQS target, then forgets it (it
    /// never fires again) and deletes it when it asks to be.
    async fn fire_schedule(&self, memory: &mut Memory, d: &ScheduleDetails) -> (Result<(), String>, Vec<String>) {
        memory.fired.insert(d.key.clone());
        let mut queues = Vec::new();
        let outcome = match sqs_queue_name(&d.target_arn) {
            None => {
                tracing::warn!(schedule = d.name.as_str(), target = d.target_arn.as_str(), "schedule target is not an SQS queue; the local front delivers only to SQS");
                Err(format!("target {} is not an SQS queue; only SQS targets are emulated", d.target_arn))
            }
            Some(name) => {
                queues.push(name.to_owned());
                self.send_schedule_input(memory, name, d).await
            }
        };
        if d.delete_after_completion {
            if let Err(e) = self.scheduler.delete_schedule().group_name(&d.group).name(&d.name).send().await {
                tracing::warn!(schedule = d.name.as_str(), error = %aws_sdk_scheduler::error::DisplayErrorContext(e), "could not delete a completed schedule");
            }
        }
        (outcome, queues)
    }

    async fn send_schedule_input(&self, memory: &mut Memory, queue: &str, d: &ScheduleDetails) -> Result<(), String> {
        let url = match memory.queue_urls.get(queue) {
            Some(u) => u.clone(),
            None => {
                let out = self.sqs.get_queue_url().queue_name(queue).send().await.map_err(|e| format!("queue {queue}: {}", aws_sdk_sqs::error::DisplayErrorContext(e)))?;
                let url = out.queue_url().unwrap_or_default().to_owned();
                memory.queue_urls.insert(queue.to_owned(), url.clone());
                url
            }
        };
        // Scheduler sends a templated target's Input as the message body.
        let body = d.input.clone().unwrap_or_else(|| "{}".to_owned());
        let mut send = self.sqs.send_message().queue_url(url).message_body(body);
        if let Some(group) = &d.message_group_id {
            send = send.message_group_id(group);
        }
        send.send().await.map(|_| ()).map_err(|e| {
            let e = format!("{}", aws_sdk_sqs::error::DisplayErrorContext(e));
            tracing::warn!(schedule = d.name.as_str(), error = e.as_str(), "could not deliver a schedule's fire");
            e
        })
    }

    /// Every enabled one-time schedule due by `to` that has not fired.
    async fn due_schedules(&self, memory: &mut Memory, to: DateTime<Utc>) -> Vec<Fire> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut token: Option<String> = None;
        loop {
            let page = match self.scheduler.list_schedules().set_next_token(token.clone()).send().await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %aws_sdk_scheduler::error::DisplayErrorContext(e), "could not list schedules");
                    return out;
                }
            };
            for s in page.schedules() {
                let (Some(arn), Some(name)) = (s.arn(), s.name()) else { continue };
                seen.insert(arn.to_owned());
                if s.state().is_some_and(|st| st.as_str() != "ENABLED") {
                    continue;
                }
                let group = s.group_name().unwrap_or("default").to_owned();
                let version = format!("{:?}", s.last_modification_date());
                let cached = memory.details.get(arn).filter(|(v, _)| *v == version).map(|(_, d)| d.clone());
                let details = match cached {
                    Some(d) => d,
                    None => match self.schedule_details(&group, name).await {
                        Some(d) => {
                            memory.details.insert(arn.to_owned(), (version, d.clone()));
                            d
                        }
                        None => continue,
                    },
                };
                if !details.enabled || memory.fired.contains(&details.key) {
                    continue;
                }
                match due_instant(&details.expression, &details.timezone) {
                    Ok(Some(at)) if at <= to => out.push(Fire { time: at, kind: FireKind::Schedule, name: details.name.clone(), source: Source::Schedule(Box::new(details)) }),
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        if memory.warned.insert(details.key.clone()) {
                            tracing::warn!(schedule = name, expression = details.expression.as_str(), "recurring Scheduler schedules are not fired by time travel");
                        }
                    }
                    Err(e) => {
                        if memory.warned.insert(details.key.clone()) {
                            tracing::warn!(schedule = name, error = e.as_str(), "schedule cannot be evaluated");
                        }
                    }
                }
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                // Deleted schedules need no cached details.
                memory.details.retain(|arn, _| seen.contains(arn));
                return out;
            }
        }
    }

    async fn schedule_details(&self, group: &str, name: &str) -> Option<ScheduleDetails> {
        let s = match self.scheduler.get_schedule().group_name(group).name(name).send().await {
            Ok(s) => s,
            Err(e) => {
                // Deleted since the listing: nothing to fire.
                if !e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) {
                    tracing::warn!(schedule = name, error = %aws_sdk_scheduler::error::DisplayErrorContext(e), "could not read a schedule");
                }
                return None;
            }
        };
        let expression = s.schedule_expression().unwrap_or_default().to_owned();
        let timezone = s.schedule_expression_timezone().filter(|z| !z.is_empty()).unwrap_or("UTC").to_owned();
        Some(ScheduleDetails {
            key: format!("{}|{:?}|{expression}|{timezone}", s.arn().unwrap_or(name), s.creation_date()),
            group: group.to_owned(),
            name: name.to_owned(),
            expression,
            timezone,
            enabled: s.state().is_none_or(|st| st.as_str() == "ENABLED"),
            target_arn: s.target().map(|t| t.arn().to_owned()).unwrap_or_default(),
            input: s.target().and_then(|t| t.input()).map(str::to_owned),
            message_group_id: s.target().and_then(|t| t.sqs_parameters()).and_then(|p| p.message_group_id()).map(str::to_owned),
            delete_after_completion: s.action_after_completion().is_some_and(|a| a.as_str() == "DELETE"),
        })
    }

    /// Waits (bounded) until every named queue holds no message, visible,
    /// in flight or delayed: the consumer has finished what was sent.
    async fn wait_consumed(&self, queues: &BTreeSet<String>) -> bool {
        let deadline = tokio::time::Instant::now() + DRAIN_LIMIT;
        let mut pending: Vec<String> = queues.iter().cloned().collect();
        while !pending.is_empty() {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            let mut still = Vec::new();
            for q in pending {
                let Some(url) = self.consumed_queues.get(&q) else { continue };
                let attrs = self.sqs.get_queue_attributes().queue_url(url).attribute_names(QueueAttributeName::All).send().await;
                let count = attrs.ok().and_then(|a| a.attributes().cloned()).map(|a| {
                    [QueueAttributeName::ApproximateNumberOfMessages, QueueAttributeName::ApproximateNumberOfMessagesNotVisible, QueueAttributeName::ApproximateNumberOfMessagesDelayed]
                        .iter()
                        .filter_map(|k| a.get(k).and_then(|v| v.parse::<u64>().ok()))
                        .sum::<u64>()
                });
                if count != Some(0) {
                    still.push(q);
                }
            }
            pending = still;
            if !pending.is_empty() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn rule(name: &str, expr: &str) -> RuleSchedule {
        RuleSchedule { name: name.into(), schedule: Schedule::parse(expr).unwrap(), targets: Vec::new() }
    }

    fn schedule(group: &str, name: &str, time: &str) -> Fire {
        let d = ScheduleDetails {
            group: group.into(),
            name: name.into(),
            expression: String::new(),
            timezone: "UTC".into(),
            enabled: true,
            target_arn: String::new(),
            input: None,
            message_group_id: None,
            delete_after_completion: true,
            key: format!("{group}/{name}"),
        };
        Fire { time: at(time), kind: FireKind::Schedule, name: name.into(), source: Source::Schedule(Box::new(d)) }
    }

    fn names(fires: &[Fire]) -> Vec<String> {
        fires.iter().map(|f| format!("{} {}", rfc3339(f.time), f.name)).collect()
    }

    #[test]
    fn rule_ticks_of_several_rules_interleave_in_time_order() {
        let rules = [rule("sweep", "cron(5 0 * * ? *)"), rule("hourly", "rate(12 hours)")];
        let ticks = rule_ticks(&rules, at("2026-03-01T00:00:00Z"), at("2026-03-02T00:05:00Z"), 100).unwrap();
        assert_eq!(names(&ticks), ["2026-03-01T00:05:00Z sweep", "2026-03-01T12:00:00Z hourly", "2026-03-02T00:00:00Z hourly", "2026-03-02T00:05:00Z sweep"]);
    }

    #[test]
    fn too_many_rule_ticks_are_refused_as_a_whole() {
        let rules = [rule("often", "rate(1 minute)")];
        assert_eq!(rule_ticks(&rules, at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"), MAX_RULE_TICKS).unwrap_err(), MAX_RULE_TICKS);
    }

    #[test]
    fn a_batch_is_the_earliest_instant_with_rules_before_schedules_then_by_name() {
        let rules = [rule("sweep", "cron(5 0 * * ? *)")];
        let mut ticks: VecDeque<Fire> = rule_ticks(&rules, at("2026-03-01T00:00:00Z"), at("2026-03-02T12:00:00Z"), 100).unwrap().into();
        let due = vec![schedule("g", "b", "2026-03-01T00:05:00Z"), schedule("g", "a", "2026-03-01T00:05:00Z"), schedule("g", "later", "2026-03-01T09:00:00Z")];
        assert_eq!(names(&next_batch(&mut ticks, due)), ["2026-03-01T00:05:00Z sweep", "2026-03-01T00:05:00Z a", "2026-03-01T00:05:00Z b"]);
        // The next listing finds the later schedule still due: it goes before the next day's tick.
        let due = vec![schedule("g", "later", "2026-03-01T09:00:00Z")];
        assert_eq!(names(&next_batch(&mut ticks, due)), ["2026-03-01T09:00:00Z later"]);
        assert_eq!(names(&next_batch(&mut ticks, Vec::new())), ["2026-03-02T00:05:00Z sweep"]);
        assert!(next_batch(&mut ticks, Vec::new()).is_empty());
    }

    #[test]
    fn a_schedule_created_behind_the_clock_fires_first() {
        let mut ticks: VecDeque<Fire> = rule_ticks(&[rule("sweep", "cron(5 0 * * ? *)")], at("2026-03-05T00:00:00Z"), at("2026-03-06T00:00:00Z"), 100).unwrap().into();
        let due = vec![schedule("g", "overdue", "2026-03-01T09:00:00Z")];
        assert_eq!(names(&next_batch(&mut ticks, due)), ["2026-03-01T09:00:00Z overdue"]);
    }

    #[test]
    fn a_schedule_is_due_at_its_wall_time_in_its_zone() {
        assert_eq!(due_instant("at(2026-03-02T09:00:00)", "Europe/Berlin").unwrap(), Some(at("2026-03-02T08:00:00Z")));
        assert_eq!(due_instant("at(2026-07-02T09:00:00)", "Europe/Berlin").unwrap(), Some(at("2026-07-02T07:00:00Z")));
        assert_eq!(due_instant("at(2026-03-02T09:00:00)", "UTC").unwrap(), Some(at("2026-03-02T09:00:00Z")));
        // 02:30 does not exist on 2026-03-29 in Berlin: an hour later.
        assert_eq!(due_instant("at(2026-03-29T02:30:00)", "Europe/Berlin").unwrap(), Some(at("2026-03-29T01:30:00Z")));
        assert_eq!(due_instant("cron(0 9 * * ? *)", "UTC").unwrap(), None);
        assert!(due_instant("at(2026-03-02T09:00:00)", "Mars/Olympus").is_err());
    }

    #[test]
    fn a_tick_is_the_scheduled_event_aws_sends_with_the_scheduled_time() {
        let e = scheduled_event("o2c-local-ReminderSweepRule", at("2026-03-02T00:05:00Z"), "us-east-1", "id-1");
        assert_eq!(
            e,
            json!({
                "version": "0", "id": "id-1", "detail-type": "Scheduled Event", "source": "aws.events",
                "account": "123456789012", "time": "2026-03-02T00:05:00Z", "region": "us-east-1",
                "resources": ["arn:aws:events:us-east-1:123456789012:rule/o2c-local-ReminderSweepRule"], "detail": {}
            })
        );
        let parsed: aws_lambda_events::event::eventbridge::EventBridgeEvent<Value> = serde_json::from_value(e).unwrap();
        assert_eq!(parsed.detail_type, "Scheduled Event");
    }

    #[test]
    fn event_ids_are_distinct_uuids() {
        let (a, b) = (event_id(), event_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.chars().filter(|c| *c == '-').count(), 4);
        assert_eq!(&a[14..15], "7");
    }

    #[test]
    fn an_sqs_arn_names_its_queue_and_other_arns_do_not() {
        assert_eq!(sqs_queue_name("arn:aws:sqs:us-east-1:123456789012:o2c-local-ReminderQueue"), Some("o2c-local-ReminderQueue"));
        assert_eq!(sqs_queue_name("arn:aws:lambda:us-east-1:123456789012:function:f"), None);
        assert_eq!(sqs_queue_name("arn:aws:scheduler:::aws-sdk:sqs:sendMessage"), None);
    }

    #[test]
    fn the_template_rules_become_fireable_rules_named_locally() {
        let t = Template::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")).unwrap();
        let mut local = LocalResources { region: "us-east-1".into(), ..Default::default() };
        assert!(rules_from_template(&t, &local).is_err(), "a target queue that was not created is an error");
        for q in t.queues.keys() {
            local.queue_urls.insert(q.clone(), format!("http://127.0.0.1:5000/123456789012/o2c-local-{q}"));
        }
        let rules = rules_from_template(&t, &local).unwrap();
        let sweep = rules.iter().find(|r| r.name == "o2c-local-ReminderSweepRule").expect("the sweep rule");
        assert_eq!(sweep.targets[0].queue_url, "http://127.0.0.1:5000/123456789012/o2c-local-ReminderQueue");
        assert!(sweep.targets[0].input.is_none());
    }
}
