//! `o2c-fault-proxy`: the fault proxy as a process, for poking at the local
//! stack by hand. Tests use the library and start their own proxies.
//!
//! ```text
//! o2c-fault-proxy --listen 127.0.0.1:8001 --upstream http://127.0.0.1:8000 --seed 42 \
//!     --conflict 0.1 --throttle 0.05 --server-error 0.05 --timeout 0.0 --lost-response 0.02
//! curl -s 127.0.0.1:8001/_faults                                  # rates and counts
//! curl -s 127.0.0.1:8001/_faults -d '{"conflict":1.0}'            # replace the rates
//! ```
//!
//! Injected faults are logged to stderr at debug (`--log debug`, the
//! default); `--log info` keeps only start-up and rate changes.

use std::net::SocketAddr;

use o2c_fault_proxy::{FaultProxy, FaultRates, CONTROL_PATH};

const USAGE: &str = "usage: o2c-fault-proxy [--listen 127.0.0.1:8001] [--upstream http://127.0.0.1:8000] [--seed N]
                       [--conflict R] [--throttle R] [--server-error R] [--timeout R] [--lost-response R]
                       [--log debug|info|warn]
Each rate R is a probability in 0.0..=1.0 (default 0). GET/POST /_faults reads/replaces the rates at run time.";

#[derive(Debug, PartialEq)]
struct Args {
    listen: SocketAddr,
    upstream: String,
    seed: u64,
    rates: FaultRates,
    log: tracing::Level,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 8001)),
        upstream: "http://127.0.0.1:8000".to_owned(),
        seed: 42,
        rates: FaultRates::default(),
        log: tracing::Level::DEBUG,
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let rate = || value.parse::<f64>().map_err(|e| format!("{flag} {value}: {e}"));
        match flag.as_str() {
            "--listen" => parsed.listen = value.parse().map_err(|e| format!("--listen {value}: {e}"))?,
            "--upstream" => parsed.upstream = value.clone(),
            "--seed" => parsed.seed = value.parse().map_err(|e| format!("--seed {value}: {e}"))?,
            "--conflict" => parsed.rates.conflict = rate()?,
            "--throttle" => parsed.rates.throttle = rate()?,
            "--server-error" => parsed.rates.server_error = rate()?,
            "--timeout" => parsed.rates.timeout = rate()?,
            "--lost-response" => parsed.rates.lost_response = rate()?,
            "--log" => parsed.log = value.parse().map_err(|_| format!("--log {value}: use debug, info or warn"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    parsed.rates.validate()?;
    Ok(parsed)
}

#[tokio::main]
async fn main() {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("o2c-fault-proxy: {e}");
            }
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    // Ignoring the error: it only fails if a subscriber is already set.
    let _ = tracing::subscriber::set_global_default(stderr_log::Stderr { max: args.log });
    let proxy = match FaultProxy::start_on(args.listen, &args.upstream, args.rates, args.seed).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("o2c-fault-proxy: cannot start on {}: {e}", args.listen);
            std::process::exit(1);
        }
    };
    tracing::info!(
        endpoint = proxy.endpoint().as_str(),
        upstream = args.upstream.as_str(),
        seed = args.seed,
        rates = ?args.rates,
        control = CONTROL_PATH,
        "fault proxy listening"
    );
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!(injected = ?proxy.injected(), "fault proxy stopping");
}

/// A one-line-per-event stderr logger. The workspace carries no
/// tracing-subscriber, and this binary only needs level filtering.
mod stderr_log {
    use std::fmt::Write as _;

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Level, Metadata};

    pub struct Stderr {
        pub max: Level,
    }

    struct Line(String);

    impl Visit for Line {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                let _ = write!(self.0, " {value:?}");
            } else {
                let _ = write!(self.0, " {}={value:?}", field.name());
            }
        }

        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "message" {
                let _ = write!(self.0, " {value}");
            } else {
                let _ = write!(self.0, " {}={value:?}", field.name());
            }
        }
    }

    impl tracing::Subscriber for Stderr {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            // tracing orders levels by verbosity: TRACE > DEBUG > ... > ERROR.
            *metadata.level() <= self.max && metadata.target().starts_with("o2c_fault_proxy")
        }

        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }

        fn record(&self, _: &Id, _: &Record<'_>) {}

        fn record_follows_from(&self, _: &Id, _: &Id) {}

        fn event(&self, event: &Event<'_>) {
            let mut line = Line(String::new());
            event.record(&mut line);
            eprintln!("{:>5}{}", event.metadata().level(), line.0);
        }

        fn enter(&self, _: &Id) {}

        fn exit(&self, _: &Id) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Args, String> {
        parse_args(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn the_documented_command_line_parses_into_rates() {
        let parsed = args(
            "--listen 127.0.0.1:8001 --upstream http://127.0.0.1:8000 --seed 42 --conflict 0.1 \
             --throttle 0.05 --server-error 0.05 --timeout 0.0 --lost-response 0.02",
        )
        .unwrap();
        assert_eq!(parsed.listen, "127.0.0.1:8001".parse().unwrap());
        assert_eq!(parsed.upstream, "http://127.0.0.1:8000");
        assert_eq!(parsed.seed, 42);
        assert_eq!(
            parsed.rates,
            FaultRates { conflict: 0.1, throttle: 0.05, server_error: 0.05, timeout: 0.0, lost_response: 0.02 }
        );
    }

    #[test]
    fn no_arguments_means_no_faults_on_8001_in_front_of_8000() {
        let parsed = args("").unwrap();
        assert_eq!(parsed.listen.port(), 8001);
        assert_eq!(parsed.rates, FaultRates::default());
    }

    #[test]
    fn unknown_flags_missing_values_and_bad_rates_are_refused() {
        assert!(args("--conflcit 0.1").is_err());
        assert!(args("--seed").is_err());
        assert!(args("--throttle 2").is_err());
        assert!(args("--timeout abc").is_err());
    }
}
