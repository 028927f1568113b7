//! The order in which several plugins are built: a plugin after the plugins it `depends` on
//! when they are among the inputs, otherwise the order the user gave.
//!
//! A topological sort that always takes the earliest input that is ready, so it is stable:
//! inputs without dependencies between them keep their order. A cycle is an error that
//! names it, `demo/a -> demo/b -> demo/a`, each plugin depending on the next.

use crate::plugin::manifest::Manifest;
use crate::{Error, Result};
use std::collections::{BTreeSet, HashMap};

/// The indices of `plugins` in build order, or the error naming a dependency cycle.
pub(crate) fn build_order(plugins: &[&Manifest]) -> Result<Vec<usize>> {
    let index: HashMap<(&str, &str), usize> = plugins
        .iter()
        .enumerate()
        .map(|(i, m)| ((m.namespace.as_str(), m.name.as_str()), i))
        .collect();
    // deps[i]: the inputs plugin i depends on, in its manifest's order, without repeats.
    let deps: Vec<Vec<usize>> = plugins
        .iter()
        .map(|m| {
            let mut out: Vec<usize> = Vec::new();
            for d in &m.depends {
                if let Some(&j) = index.get(&(d.namespace.as_str(), d.name.as_str())) {
                    if !out.contains(&j) {
                        out.push(j);
                    }
                }
            }
            out
        })
        .collect();
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); plugins.len()];
    for (i, ds) in deps.iter().enumerate() {
        for &j in ds {
            dependents[j].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..plugins.len()).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(plugins.len());
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &k in &dependents[i] {
            waiting[k] -= 1;
            if waiting[k] == 0 {
                ready.insert(k);
            }
        }
    }
    if order.len() == plugins.len() {
        return Ok(order);
    }
    let cycle = find_cycle(&deps, &waiting);
    let names: Vec<String> = cycle
        .iter()
        .map(|&i| format!("{}/{}", plugins[i].namespace, plugins[i].name))
        .collect();
    Err(Error::Plugin {
        path: None,
        problem: format!(
            "dependency cycle between the plugins to build: {} (each depends on the next); remove one of these depends from its wazo/plugin.yml",
            names.join(" -> ")
        ),
    })
}

/// A cycle among the plugins still waiting, starting and ending with the same plugin.
///
/// Every waiting plugin has a waiting dependency (else it would have been built), so
/// following the first one from the earliest waiting plugin must come back to a plugin
/// already seen.
fn find_cycle(deps: &[Vec<usize>], waiting: &[usize]) -> Vec<usize> {
    let stuck = |i: usize| waiting[i] > 0;
    let Some(start) = (0..deps.len()).find(|&i| stuck(i)) else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut current = start;
    loop {
        let Some(&next) = deps[current].iter().find(|&&j| stuck(j)) else {
            return path;
        };
        if let Some(at) = path.iter().position(|&p| p == next) {
            let mut cycle = path.split_off(at);
            cycle.push(next);
            return cycle;
        }
        path.push(next);
        current = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::manifest::Dependency;

    fn plugin(name: &str, depends: &[&str]) -> Manifest {
        Manifest {
            name: name.into(),
            namespace: "demo".into(),
            version: "1.0".into(),
            format: 1,
            depends: depends
                .iter()
                .map(|d| Dependency {
                    name: (*d).into(),
                    namespace: "demo".into(),
                })
                .collect(),
            debian_depends: Vec::new(),
            description: None,
            display_name: None,
            author: None,
            homepage: None,
        }
    }

    fn names(ms: &[Manifest]) -> Result<Vec<String>> {
        let refs: Vec<&Manifest> = ms.iter().collect();
        Ok(build_order(&refs)?
            .into_iter()
            .map(|i| ms[i].name.clone())
            .collect())
    }

    #[test]
    fn builds_dependencies_first() {
        let ms = [plugin("c", &["b"]), plugin("a", &[]), plugin("b", &["a"])];
        assert_eq!(names(&ms).unwrap(), ["a", "b", "c"]);
    }

    #[test]
    fn keeps_the_input_order_otherwise() {
        let ms = [
            plugin("z", &[]),
            plugin("c", &["outside"]),
            plugin("y", &[]),
            plugin("b", &["z"]),
        ];
        assert_eq!(names(&ms).unwrap(), ["z", "c", "y", "b"]);
    }

    #[test]
    fn names_a_cycle() {
        let ms = [
            plugin("x", &[]),
            plugin("a", &["b"]),
            plugin("b", &["c"]),
            plugin("c", &["a"]),
        ];
        assert_eq!(
            names(&ms).unwrap_err().to_string(),
            "dependency cycle between the plugins to build: demo/a -> demo/b -> demo/c -> demo/a (each depends on the next); remove one of these depends from its wazo/plugin.yml"
        );
        let selfish = [plugin("s", &["s"])];
        assert!(names(&selfish)
            .unwrap_err()
            .to_string()
            .contains("demo/s -> demo/s "));
    }

    #[test]
    fn names_the_cycle_not_its_dependents() {
        let ms = [
            plugin("d", &["a"]),
            plugin("a", &["b"]),
            plugin("b", &["a"]),
        ];
        assert!(names(&ms)
            .unwrap_err()
            .to_string()
            .contains(": demo/a -> demo/b -> demo/a ("));
    }
}
