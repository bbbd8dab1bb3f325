//! A bounded table that keeps what is used.
//!
//! The kinds of finding a scan meets come back (and the alert sentences,
//! mailbox by mailbox), but not in a cycle a small table fits: a dense
//! export holds a few thousand kinds, a few hundred of them in any stretch.
//! A table that starts over when full forgets the busy kinds with the rest;
//! this one gives each entry a second chance (the "clock" rule): when room is
//! needed, a hand sweeps the slots, passing over (and marking unused) those
//! used since it last came by, and replaces the first one that was not.

use std::borrow::Borrow;
use std::hash::Hash;

use rustc_hash::FxHashMap;

/// At most `N` values by key, the least used giving way.
#[derive(Debug, Clone)]
pub(crate) struct Cache<K, V, const N: usize> {
    slots: Vec<Slot<K, V>>,
    index: FxHashMap<K, usize>,
    hand: usize,
}

#[derive(Debug, Clone)]
struct Slot<K, V> {
    key: K,
    value: V,
    used: bool,
}

impl<K, V, const N: usize> Default for Cache<K, V, N> {
    fn default() -> Self {
        const { assert!(N > 0, "a cache holds at least one value") };
        Cache { slots: Vec::new(), index: FxHashMap::default(), hand: 0 }
    }
}

impl<K: Hash + Eq + Clone, V, const N: usize> Cache<K, V, N> {
    /// The value kept under `key`, marked as used.
    pub(crate) fn get<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = &mut self.slots[*self.index.get(key)?];
        slot.used = true;
        Some(&mut slot.value)
    }

    /// The value kept under `key`, marked as used; made by `make` and kept
    /// first if there is none (the key is copied only then).
    pub(crate) fn get_or_insert_with<Q>(&mut self, key: &Q, make: impl FnOnce() -> V) -> &mut V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        match self.index.get(key) {
            Some(&at) => {
                let slot = &mut self.slots[at];
                slot.used = true;
                &mut slot.value
            }
            None => self.insert(key.to_owned(), make()),
        }
    }

    /// Keeps `value` under `key` (which must not be kept yet), in the place
    /// of the first value the hand finds unused when the table is full.
    fn insert(&mut self, key: K, value: V) -> &mut V {
        debug_assert!(!self.index.contains_key(&key), "a key is inserted once");
        let at = if self.slots.len() < N {
            self.slots.push(Slot { key: key.clone(), value, used: false });
            self.slots.len() - 1
        } else {
            while std::mem::take(&mut self.slots[self.hand].used) {
                self.hand = (self.hand + 1) % N;
            }
            let at = self.hand;
            self.hand = (self.hand + 1) % N;
            let old = std::mem::replace(&mut self.slots[at], Slot { key: key.clone(), value, used: false });
            self.index.remove(&old.key);
            at
        };
        self.index.insert(key, at);
        &mut self.slots[at].value
    }

    /// How many values are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_holds_more_than_its_capacity() {
        let mut cache = Cache::<_, _, 8>::default();
        for key in 0..100 {
            cache.insert(key, key * 10);
            assert!(cache.len() <= 8);
            assert_eq!(cache.get(&key).copied(), Some(key * 10), "the newest is kept");
        }
        let kept = (0..100).filter(|key| cache.get(key).is_some()).count();
        assert_eq!(kept, 8);
    }

    #[test]
    fn a_value_in_use_outlasts_a_stream_of_new_ones() {
        let mut cache = Cache::<_, _, 16>::default();
        cache.insert("busy".to_owned(), 0);
        for n in 0..10_000 {
            assert!(cache.get(&"busy".to_owned()).is_some(), "forgotten after {n} others");
            cache.insert(format!("once {n}"), n);
        }
    }

    #[test]
    fn a_value_is_made_only_when_none_is_kept() {
        let mut cache = Cache::<String, usize, 4>::default();
        let mut made = 0;
        for _ in 0..3 {
            let value = *cache.get_or_insert_with("k", || {
                made += 1;
                7
            });
            assert_eq!(value, 7);
        }
        assert_eq!(made, 1);
    }

    #[test]
    fn values_unused_since_the_hand_passed_give_way_first() {
        let mut cache = Cache::<_, _, 3>::default();
        for key in ["a", "b", "c"] {
            cache.insert(key, ());
        }
        cache.get(&"a");
        cache.get(&"c");
        cache.insert("d", ());
        assert!(cache.get(&"b").is_none(), "b was the one not used");
        assert!(cache.get(&"a").is_some() && cache.get(&"c").is_some() && cache.get(&"d").is_some());
    }
}
