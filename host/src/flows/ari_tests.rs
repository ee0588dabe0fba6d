//! The renewal information state's record and the renewal decision.

use super::*;

const ID: &str = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";

#[test]
fn the_record_reads_back_what_was_written() {
    for state in [
        State {
            id: ID.into(),
            ari: true,
            next: 1_800_000_000,
            window: Some((1_790_000_000, 1_790_086_400)),
        },
        State {
            id: ID.into(),
            ari: false,
            next: 5,
            window: None,
        },
    ] {
        assert_eq!(State::parse(state.line().as_bytes()), Some(state));
    }
}

#[test]
fn records_of_another_shape_are_not_read() {
    for bad in [
        "",
        "acmebox-ari 1 x.y 1 5 - -",
        "acmebox-ari 2 a.b 1 5 - -\n",
        "acmebox-ari 1 a/b.c 1 5 - -\n",
        "acmebox-ari 1 a.b 2 5 - -\n",
        "acmebox-ari 1 a.b 1 soon - -\n",
        "acmebox-ari 1 a.b 1 5 7 -\n",
        "acmebox-ari 1 a.b 1 5 - - extra\n",
    ] {
        assert_eq!(State::parse(bad.as_bytes()), None, "{bad:?}");
    }
    // A window that ends before it starts is no window.
    let backwards = State::parse(b"acmebox-ari 1 a.b 1 5 9 8\n").unwrap();
    assert_eq!(backwards.window, None);
}

#[test]
fn the_moment_is_inside_the_window_and_the_same_each_time() {
    let (start, end) = (1_000_000, 1_086_400);
    let at = moment(ID, start, end);
    assert!((start..end).contains(&at), "{at}");
    assert_eq!(moment(ID, start, end), at);
    assert_ne!(
        moment("b.c", start, end),
        at,
        "another certificate, another moment"
    );
    assert_eq!(moment(ID, 7, 8), 7);
}

#[test]
fn decisions_follow_the_window() {
    let (start, end) = (1_000_000, 1_086_400);
    let at = moment(ID, start, end);
    assert_eq!(decide(ID, start, end, start - 1), Plan::Keep);
    assert_eq!(decide(ID, start, end, at - 1), Plan::Keep);
    assert!(matches!(decide(ID, start, end, at), Plan::Renew(_)));
    let Plan::Renew(why) = decide(ID, start, end, end + 5) else {
        panic!("a window in the past renews")
    };
    assert!(why.contains("renewing now"), "{why}");
}

#[test]
fn the_server_is_asked_only_when_the_record_says_it_is_time() {
    let now = 2_000_000;
    let known = State {
        id: ID.into(),
        ari: true,
        next: now + 10,
        window: Some((now + 100, now + 200)),
    };
    assert_eq!(plan(None, ID, now), Plan::Ask, "nothing known: ask");
    assert_eq!(plan(Some(&known), ID, now), Plan::Keep, "window ahead");
    assert_eq!(
        plan(Some(&known), "other.id", now),
        Plan::Ask,
        "another certificate"
    );
    assert_eq!(
        plan(Some(&known), ID, now + 10),
        Plan::Ask,
        "time to ask again"
    );
    let past = State {
        window: Some((now - 200, now - 100)),
        ..known.clone()
    };
    assert!(
        matches!(plan(Some(&past), ID, now), Plan::Renew(_)),
        "known window over"
    );
    let none = State {
        ari: false,
        window: None,
        ..known
    };
    assert_eq!(
        plan(Some(&none), ID, now),
        Plan::Keep,
        "no renewalInfo, not yet re-asked"
    );
}
