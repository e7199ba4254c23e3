//! Graceful shutdown: on SIGTERM (what `systemctl stop`, `docker stop` and
//! Kubernetes send) the server stops taking connections but finishes the
//! request in flight. In its own test binary: the signal goes to this
//! whole process.

#![cfg(unix)]

mod common;

use common::Backend;
use std::io::{Read, Write};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_then_stops() {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::fresh_store(Backend::Sqlite, &dir).await else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(dixian_web::serve(store, listener));

    // the server answers (so it is listening for the signal too)
    let url = format!("http://{addr}/api/v1/health");
    let mut up = false;
    for _ in 0..50 {
        if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "server up");

    // a request in flight: headers and half of the body sent
    let body = br#"{"username": "nobody", "password": "wrong-password"}"#;
    let (first, rest) = body.split_at(body.len() / 2);
    let in_flight = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(first).unwrap();
        s.flush().unwrap();
        s
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!server.is_finished(), "waits for the request in flight");

    // the rest of the body: the request is answered in full
    let answer = tokio::task::spawn_blocking(move || {
        let mut s = in_flight;
        s.write_all(rest).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    })
    .await
    .unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 401") && answer.contains("\"error\""),
        "the request in flight was answered in full: {answer:?}"
    );

    // then the server stops, and new connections are refused
    let stopped = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops after the request in flight");
    stopped.unwrap().expect("serve returns Ok");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "no longer listening"
    );
}
