//! A page's resources run on other tokio tasks than the request that
//! rendered it, and look up the request's contexts (its language, the app
//! state) in owners that request holds. When the client goes away, the
//! request drops those owners while a resource may be walking up to them.
//! reactive_graph 0.2.16 deadlocked that thread for good (see
//! .cargo/patched/reactive_graph/PATCHED.md); unpatched, the race below
//! hangs in its first round in every run we tried (3 of 3).

use leptos::prelude::{Owner, provide_context, update_context, use_context};
use std::sync::{Arc, Barrier, mpsc};
use std::time::Duration;

#[derive(Clone)]
struct RequestLanguage(&'static str);

/// Enough rounds to meet the bad interleaving many times over: the race is
/// lost in round 0 without the patch.
const ROUNDS: usize = 300;

/// One request's owner tree: the root holds the context, the leaf is the
/// resource's owner. Another thread looks the context up from the leaf (in
/// the way `look` does) until the tree is gone, while this one drops the
/// tree. Returns once both are done.
fn request_cancelled_while_a_resource_looks_up(look: fn() -> bool) {
    let root = Owner::new();
    root.with(|| provide_context(RequestLanguage("en")));
    let resource_owner = root.child();
    let start = Arc::new(Barrier::new(2));
    let resource = {
        let start = Arc::clone(&start);
        std::thread::spawn(move || {
            start.wait();
            while resource_owner.with(look) {}
        })
    };
    start.wait();
    drop(root);
    let finished = resource.join();
    assert!(finished.is_ok(), "the looking thread panicked");
}

/// Runs the race `ROUNDS` times on a thread of its own and fails when it has
/// not come back in time: a deadlocked thread never returns.
fn races_without_hanging(look: fn() -> bool) {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        for _ in 0..ROUNDS {
            request_cancelled_while_a_resource_looks_up(look);
        }
        let _ = done.send(());
    });
    // 300 rounds take ~0.1 s; a minute leaves room for a loaded machine.
    let outcome = finished.recv_timeout(Duration::from_secs(60));
    assert!(outcome.is_ok(), "a context lookup deadlocked while its owner tree was dropped");
}

#[test]
fn a_context_read_survives_the_request_being_dropped_meanwhile() {
    races_without_hanging(|| use_context::<RequestLanguage>().is_some_and(|language| language.0 == "en"));
}

#[test]
fn a_context_update_survives_the_request_being_dropped_meanwhile() {
    races_without_hanging(|| update_context::<RequestLanguage, _>(|language| language.0 = "en").is_some());
}
