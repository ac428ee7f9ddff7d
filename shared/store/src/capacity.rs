//! Counts the capacity units DynamoDB reports for this store's calls, so
//! benchmarks and operators can see what each request path costs.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::types::ConsumedCapacity;

#[derive(Debug, Default)]
pub struct CapacityMeter {
    read_milli: AtomicU64,
    write_milli: AtomicU64,
}

/// Read and write units, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Units {
    pub read: f64,
    pub write: f64,
}

impl CapacityMeter {
    pub(crate) fn record<'a>(&self, consumed: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        for c in consumed {
            let read = c.read_capacity_units().unwrap_or(0.0);
            let write = c.write_capacity_units().unwrap_or(0.0);
            // Some answers give only the total; count it by the operation's kind.
            let (read, write) = if read == 0.0 && write == 0.0 { (0.0, c.capacity_units().unwrap_or(0.0)) } else { (read, write) };
            self.read_milli.fetch_add((read * 1000.0).round() as u64, Ordering::Relaxed);
            self.write_milli.fetch_add((write * 1000.0).round() as u64, Ordering::Relaxed);
        }
    }

    pub(crate) fn record_read(&self, consumed: Option<&ConsumedCapacity>) {
        if let Some(c) = consumed {
            let units = c.read_capacity_units().filter(|u| *u > 0.0).or(c.capacity_units()).unwrap_or(0.0);
            self.read_milli.fetch_add((units * 1000.0).round() as u64, Ordering::Relaxed);
        }
    }

    pub fn units(&self) -> Units {
        Units { read: self.read_milli.load(Ordering::Relaxed) as f64 / 1000.0, write: self.write_milli.load(Ordering::Relaxed) as f64 / 1000.0 }
    }

    pub fn reset(&self) {
        self.read_milli.store(0, Ordering::Relaxed);
        self.write_milli.store(0, Ordering::Relaxed);
    }
}
