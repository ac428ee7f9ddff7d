//! Configuration every function reads once per cold start, from the
//! environment the template (or the local front) sets.

use o2c_domain::customer::TimeZone;

#[derive(Debug, Clone)]
pub struct Settings {
    pub table_name: String,
    pub event_bus_name: String,
    pub delivery_queue_url: String,
    pub company_time_zone: TimeZone,
    /// Where invoices to (re)schedule reminders for are queued.
    pub reminder_queue_url: String,
    /// The company's holidays per country (`O2C_HOLIDAYS`, `O2C_COMPANY_COUNTRY`).
    pub holidays: std::sync::Arc<o2c_domain::holidays::Holidays>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("O2C_COMPANY_TIME_ZONE is not an IANA time zone")]
    TimeZone,
    #[error("O2C_HOLIDAYS / O2C_COMPANY_COUNTRY: {0}")]
    Holidays(#[from] o2c_domain::holidays::HolidaysError),
}

impl Settings {
    pub fn from_env() -> Result<Self, SettingsError> {
        let var = |name: &'static str| std::env::var(name).map_err(|_| SettingsError::Missing(name));
        let tz = std::env::var("O2C_COMPANY_TIME_ZONE").unwrap_or_else(|_| "UTC".into());
        Ok(Self {
            table_name: var("O2C_TABLE_NAME")?,
            event_bus_name: var("O2C_EVENT_BUS_NAME")?,
            delivery_queue_url: var("O2C_DELIVERY_QUEUE_URL")?,
            company_time_zone: TimeZone::parse(&tz).map_err(|_| SettingsError::TimeZone)?,
            reminder_queue_url: std::env::var("O2C_REMINDER_QUEUE_URL").unwrap_or_default(),
            holidays: std::sync::Arc::new(o2c_domain::holidays::Holidays::parse(
                &std::env::var("O2C_HOLIDAYS").unwrap_or_default(),
                &std::env::var("O2C_COMPANY_COUNTRY").unwrap_or_default(),
            )?),
        })
    }
}
