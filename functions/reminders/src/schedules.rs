//! EventBridge Scheduler as the [`ReminderSchedules`] port: one one-time
//! schedule per send instant (09:00 in some time zone on some day), named
//! from it, so creating it twice is refused (`ConflictException`) and
//! dedupes for free. It sends its input to the reminder queue and deletes
//! itself after firing. A day has as many as the time zones of customers
//! with reminders due, so the account's schedule quota is never near.

use aws_sdk_scheduler::types::{ActionAfterCompletion, FlexibleTimeWindow, FlexibleTimeWindowMode, Target};
use chrono::{DateTime, Utc};
use o2c_domain::ports::{ReminderSchedules, ScheduleError};

use crate::work::{FireInput, FIRE_KIND};

#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    pub group: String,
    /// The reminder queue's ARN: where a fire is delivered.
    pub queue_arn: String,
    /// The role Scheduler assumes to send to the queue (passed, hence
    /// `iam:PassRole` on the function).
    pub role_arn: String,
}

#[derive(Debug, thiserror::Error)]
#[error("environment variable {0} is not set")]
pub struct MissingVariable(&'static str);

impl SchedulerConfig {
    pub fn from_env() -> Result<Self, MissingVariable> {
        let var = |name: &'static str| std::env::var(name).map_err(|_| MissingVariable(name));
        Ok(Self { group: var("O2C_REMINDER_SCHEDULE_GROUP")?, queue_arn: var("O2C_REMINDER_QUEUE_ARN")?, role_arn: var("O2C_REMINDER_SCHEDULER_ROLE_ARN")? })
    }
}

#[derive(Debug, Clone)]
pub struct SchedulerSchedules {
    pub client: aws_sdk_scheduler::Client,
    pub config: SchedulerConfig,
}

/// `remind-<yyyymmddThhmmZ>`: only `[0-9a-zA-Z-_.]`, the same for the
/// same instant.
pub fn schedule_name(send_at: DateTime<Utc>) -> String {
    format!("remind-{}", send_at.format("%Y%m%dT%H%MZ"))
}

impl ReminderSchedules for SchedulerSchedules {
    async fn ensure(&self, send_at: DateTime<Utc>) -> Result<(), ScheduleError> {
        let input = serde_json::to_string(&FireInput { kind: FIRE_KIND.into(), send_at }).map_err(|e| ScheduleError::Unavailable(e.to_string()))?;
        let target = Target::builder().arn(&self.config.queue_arn).role_arn(&self.config.role_arn).input(input).build().map_err(|e| ScheduleError::Unavailable(e.to_string()))?;
        let window = FlexibleTimeWindow::builder().mode(FlexibleTimeWindowMode::Off).build().map_err(|e| ScheduleError::Unavailable(e.to_string()))?;
        let created = self
            .client
            .create_schedule()
            .group_name(&self.config.group)
            .name(schedule_name(send_at))
            .schedule_expression(format!("at({})", send_at.format("%Y-%m-%dT%H:%M:%S")))
            .schedule_expression_timezone("UTC")
            .flexible_time_window(window)
            .target(target)
            .action_after_completion(ActionAfterCompletion::Delete)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(service) if service.is_conflict_exception() => Ok(()),
                _ => Err(ScheduleError::Unavailable(aws_sdk_scheduler::error::DisplayErrorContext(&e).to_string())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_name_is_its_instant_and_fits_schedulers_rules() {
        let name = schedule_name("2026-12-07T14:00:00Z".parse().unwrap());
        assert_eq!(name, "remind-20261207T1400Z");
        assert!(name.len() <= 64 && name.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch)));
    }
}
