//! The local front and template.yaml tell one story: every function, route
//! and event source the template declares is served locally, and the local
//! front serves nothing the template does not declare.

use std::collections::BTreeSet;
use std::path::Path;

use o2c_local_front::catalogue::{Kind, CATALOGUE};
use o2c_local_front::template::{EventSource, Template};

fn template() -> Template {
    Template::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")).expect("template.yaml parses")
}

#[test]
fn every_template_function_has_a_local_handler_and_no_other_exists() {
    let t = template();
    let in_template: BTreeSet<&str> = t.functions.keys().map(String::as_str).collect();
    let local: BTreeSet<&str> = CATALOGUE.iter().map(|e| e.logical_id).collect();
    assert_eq!(in_template, local);
}

#[test]
fn every_route_in_the_template_is_served_by_its_function_and_the_other_way_round() {
    let t = template();
    for entry in CATALOGUE {
        let declared: BTreeSet<String> = t.functions[entry.logical_id]
            .events
            .iter()
            .filter_map(|e| match e {
                EventSource::HttpApi { method, path, .. } => Some(format!("{method} {path}")),
                _ => None,
            })
            .collect();
        let served: BTreeSet<String> = match entry.kind {
            Kind::Api { routes } => routes.iter().map(|r| r.to_string()).collect(),
            Kind::DynamoDbStream | Kind::Sqs | Kind::EventRule => BTreeSet::new(),
        };
        assert_eq!(declared, served, "routes of {}", entry.logical_id);
    }
}

#[test]
fn every_event_source_in_the_template_is_emulated_by_the_local_front() {
    let t = template();
    for entry in CATALOGUE {
        for e in &t.functions[entry.logical_id].events {
            match (e, entry.kind) {
                (EventSource::HttpApi { .. }, Kind::Api { .. }) => {}
                (EventSource::DynamoDbStream(s), Kind::DynamoDbStream) => {
                    assert!(t.tables.contains_key(&s.table), "{} streams from unknown table {}", entry.logical_id, s.table);
                    assert!(s.report_batch_item_failures, "{} must report partial batch failures", entry.logical_id);
                }
                (EventSource::EventRule { pattern, .. }, Kind::EventRule) => {
                    assert!(pattern.is_object(), "{} needs an event pattern", entry.logical_id);
                }
                (EventSource::Sqs(q), Kind::Sqs) => {
                    assert!(t.queues.contains_key(&q.queue), "{} reads unknown queue {}", entry.logical_id, q.queue);
                    assert!(q.report_batch_item_failures, "{} must report partial batch failures", entry.logical_id);
                }
                (other, kind) => panic!("{}: event {other:?} does not fit a {kind:?} handler or is not emulated", entry.logical_id),
            }
        }
    }
}

#[test]
fn stream_functions_declare_where_their_failures_go() {
    let t = template();
    for f in t.functions.values() {
        for e in &f.events {
            if let EventSource::DynamoDbStream(s) = e {
                let q = s.on_failure_queue.as_ref().expect("an on-failure destination");
                assert!(t.queues.contains_key(q), "{} sends failures to unknown queue {q}", f.logical_id);
            }
        }
    }
}
