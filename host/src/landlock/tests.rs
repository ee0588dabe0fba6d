use super::*;

fn rule(path: &str, access: Access) -> PathRule {
    PathRule {
        path: PathBuf::from(path),
        access,
    }
}

#[test]
fn a_path_keeps_the_most_access_any_grant_gives() {
    let mut plan = Plan::default();
    plan.add(PathBuf::from("/k"), Access::Read);
    plan.add(PathBuf::from("/c"), Access::Install);
    plan.add(PathBuf::from("/k"), Access::ReadWrite);
    plan.add(PathBuf::from("/c"), Access::Read);
    plan.tidy();
    assert_eq!(
        plan.paths,
        vec![rule("/c", Access::Install), rule("/k", Access::ReadWrite)]
    );
}

#[test]
fn merging_unites_paths_and_ports_each_once() {
    let mut a = Plan {
        paths: vec![rule("/a", Access::Read)],
        tcp_connect: vec![443, 53],
        tcp_bind: vec![],
    };
    a.merge(Plan {
        paths: vec![rule("/a", Access::ReadWrite), rule("/b", Access::Read)],
        tcp_connect: vec![53, 14000],
        tcp_bind: vec![80],
    });
    assert_eq!(
        a.paths,
        vec![rule("/a", Access::ReadWrite), rule("/b", Access::Read)]
    );
    assert_eq!(a.tcp_connect, vec![53, 443, 14000]);
    assert_eq!(a.tcp_bind, vec![80]);
    assert_eq!(
        a.describe(),
        "files: read-write /a, read /b; TCP connect to port 53, 443, 14000; TCP bind on port 80"
    );
}

#[test]
fn an_empty_plan_keeps_nothing() {
    assert_eq!(
        Plan::default().describe(),
        "files: none; TCP connect to port none; TCP bind on port none"
    );
}
