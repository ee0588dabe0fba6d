//! The resource limits of a stage's store (docs/DESIGN.md rule 6): one memory
//! budget for all of the stage's linear memories together, a bound on table
//! elements, and few instances, tables and memories.
//!
//! wasmtime's own `StoreLimits` bounds each linear memory on its own, so a
//! component with several memories (the real stages have two: the program's
//! and the WASI adapter's) could hold a multiple of its grant. This limiter
//! counts every memory against the one budget of the grant.

use wasmtime::ResourceLimiter;

/// Largest table of any stage, in elements. Tables live in host memory that
/// the memory budget does not count (8 bytes an element), so without a bound
/// a stage declaring or growing a table of 2^32 elements would balloon past
/// its grant. The stages' largest table has under 1,000 elements (network:
/// 784), and none grows its tables.
pub const TABLE_ELEMENTS: usize = 10_000;

/// Which limit a stage ran into; the trap that ends the call carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Exceeded {
    /// Growing (or creating) a linear memory past the grant's budget.
    #[error("the stage's linear memories would exceed its memory limit")]
    Memory,
    /// A table of more than [`TABLE_ELEMENTS`] elements.
    #[error("a table of the stage would exceed {TABLE_ELEMENTS} elements")]
    Table,
}

/// The limiter of one store.
#[derive(Debug)]
pub struct Limits {
    budget: usize,
    used: usize,
    /// The growth allowed last, undone if the grow then fails.
    pending: usize,
}

impl Limits {
    /// A limiter allowing `budget` bytes over all linear memories.
    pub fn new(budget: usize) -> Limits {
        Limits {
            budget,
            used: 0,
            pending: 0,
        }
    }
}

impl ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let growth = desired.saturating_sub(current);
        match self.used.checked_add(growth) {
            Some(total) if total <= self.budget => {
                self.used = total;
                self.pending = growth;
                Ok(true)
            }
            _ => Err(Exceeded::Memory.into()),
        }
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.used = self.used.saturating_sub(self.pending);
        self.pending = 0;
        Ok(())
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > TABLE_ELEMENTS {
            return Err(Exceeded::Table.into());
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        16
    }

    fn tables(&self) -> usize {
        64
    }

    fn memories(&self) -> usize {
        4
    }
}

/// The limit in `error`'s chain, if a limit ended the call.
pub fn exceeded(error: &wasmtime::Error) -> Option<Exceeded> {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<Exceeded>().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_memories_share_one_budget() {
        let mut l = Limits::new(100);
        assert!(l.memory_growing(0, 60, None).is_ok(), "first memory");
        let second = l.memory_growing(0, 60, None).expect_err("second memory");
        assert_eq!(exceeded(&second), Some(Exceeded::Memory));
        assert!(l.memory_growing(0, 40, None).is_ok(), "fits what is left");
    }

    #[test]
    fn a_failed_grow_gives_its_bytes_back() {
        let mut l = Limits::new(100);
        assert!(l.memory_growing(0, 80, None).is_ok());
        l.memory_grow_failed(wasmtime::format_err!("mmap failed"))
            .expect("ok");
        assert!(l.memory_growing(0, 90, None).is_ok());
    }

    #[test]
    fn tables_are_bounded() {
        let mut l = Limits::new(100);
        assert!(l.table_growing(0, TABLE_ELEMENTS, None).is_ok());
        let e = l
            .table_growing(0, TABLE_ELEMENTS + 1, None)
            .expect_err("too big");
        assert_eq!(exceeded(&e), Some(Exceeded::Table));
    }
}
