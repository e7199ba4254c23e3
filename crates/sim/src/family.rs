//! 家庭结构: who lives in a household, their relation to the head, sex and
//! age — drawn from household shapes typical of rural Guizhou, with ages
//! kept consistent across generations.

use crate::ids::MAX_AGE;
use crate::names::Names;
use crate::random::{SimRng, between, chance, pick};
use dixian_domain::{Relation, Sex};

/// A member before attributes are drawn: who, not yet what.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Draft {
    /// 与户主关系
    pub relation: Relation,
    /// 性别
    pub sex: Sex,
    /// Age in whole years on the run's date.
    pub age: u32,
    /// 姓
    pub surname: &'static str,
    /// 字辈 shared with siblings, if the family keeps one.
    pub generation: Option<&'static str>,
}

/// Household shapes and their relative frequency.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// 独居老人
    SoloElder,
    /// 单身 (often older bachelors)
    SoloAdult,
    /// 老年夫妇
    ElderCouple,
    /// Couple with their unmarried children.
    Nuclear,
    /// Older couple, a married child with spouse, grandchildren.
    Stem,
    /// Couple with children and the head's parent(s).
    WithParents,
    /// 隔代: grandparents raising grandchildren.
    SkipGeneration,
    /// 单亲
    SingleParent,
    /// Unmarried siblings.
    Siblings,
}

const SHAPES: &[(Shape, u32)] = &[
    (Shape::SoloElder, 80),
    (Shape::SoloAdult, 30),
    (Shape::ElderCouple, 110),
    (Shape::Nuclear, 350),
    (Shape::Stem, 150),
    (Shape::WithParents, 130),
    (Shape::SkipGeneration, 50),
    (Shape::SingleParent, 70),
    (Shape::Siblings, 30),
];

/// Number of children a couple had.
const CHILDREN: &[(u32, u32)] = &[(1, 22), (2, 40), (3, 25), (4, 10), (5, 3)];

/// Draws the members of one household, the head first.
pub(crate) fn household(rng: &mut SimRng, names: &Names, out: &mut Vec<Draft>) {
    out.clear();
    let mut f = Family { rng, names, out };
    match pick(f.rng, SHAPES) {
        Shape::SoloElder => f.solo(60, 17),
        Shape::SoloAdult => f.solo(26, 17),
        Shape::ElderCouple => f.elder_couple(),
        Shape::Nuclear => f.nuclear(),
        Shape::Stem => f.stem(),
        Shape::WithParents => f.with_parents(),
        Shape::SkipGeneration => f.skip_generation(),
        Shape::SingleParent => f.single_parent(),
        Shape::Siblings => f.siblings(),
    }
}

/// Builder of one household's drafts.
struct Family<'a> {
    rng: &'a mut SimRng,
    names: &'a Names,
    out: &'a mut Vec<Draft>,
}

impl Family<'_> {
    fn push(
        &mut self,
        relation: Relation,
        sex: Sex,
        age: u32,
        surname: &'static str,
    ) -> &mut Draft {
        let d = Draft {
            relation,
            sex,
            age: age.min(MAX_AGE),
            surname,
            generation: None,
        };
        self.out.push(d);
        self.out.last_mut().expect("just pushed")
    }

    fn sex(&mut self, p_male: f64) -> Sex {
        if chance(self.rng, p_male) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// A head aged `lo` plus a triangular spread of up to `2 × half`.
    fn head(&mut self, lo: u32, half: u32, p_male: f64) -> Draft {
        let age = lo + between(self.rng, 0, half) + between(self.rng, 0, half);
        let sex = self.sex(p_male);
        let surname = self.names.surname(self.rng);
        *self.push(Relation::Head, sex, age, surname)
    }

    /// A spouse of `other`: opposite sex, husband usually 0–4 years older.
    fn spouse_of(&mut self, other: Draft, relation: Relation) -> Draft {
        let diff = pick(
            self.rng,
            &[
                (-2i32, 5),
                (-1, 8),
                (0, 15),
                (1, 20),
                (2, 20),
                (3, 14),
                (4, 10),
                (5, 8),
            ],
        );
        let (sex, age) = match other.sex {
            Sex::Male => (Sex::Female, other.age as i32 - diff),
            Sex::Female => (Sex::Male, other.age as i32 + diff),
        };
        let surname = self.names.surname(self.rng);
        *self.push(relation, sex, age.max(18) as u32, surname)
    }

    /// Age of a child of a parent aged `parent`: born when the parent was
    /// 19–32; `None` if not born yet.
    fn child_age(&mut self, parent: u32) -> Option<u32> {
        let gap = 19 + between(self.rng, 0, 5) + between(self.rng, 0, 8);
        parent.checked_sub(gap)
    }

    /// Adds the children of a couple (or single parent) who still live at
    /// home; adult daughters mostly married out, many adult sons moved away.
    fn children(
        &mut self,
        younger_parent: u32,
        surname: &'static str,
        relation: Relation,
        count: u32,
    ) {
        // Families of older parents more often keep a 字辈.
        let keeps = if younger_parent >= 45 { 0.45 } else { 0.15 };
        let generation = crate::names::generation_char(self.rng, keeps);
        for _ in 0..count {
            let Some(age) = self.child_age(younger_parent) else {
                continue;
            };
            let sex = self.sex(0.53);
            if stays_home(self.rng, age, sex) {
                self.push(relation, sex, age, surname).generation = generation;
            }
        }
    }

    fn solo(&mut self, lo: u32, half: u32) {
        let p_male = if lo >= 60 { 0.45 } else { 0.8 };
        self.head(lo, half, p_male);
    }

    fn elder_couple(&mut self) {
        let head = self.head(60, 14, 0.92);
        self.spouse_of(head, Relation::Spouse);
    }

    fn nuclear(&mut self) {
        let head = self.head(24, 19, 0.93);
        let spouse = self.spouse_of(head, Relation::Spouse);
        let (father, younger) = couple(head, spouse);
        let count = pick(self.rng, CHILDREN);
        let surname = self.child_surname(father.surname);
        self.children(younger, surname, Relation::Child, count);
    }

    fn stem(&mut self) {
        let head = self.head(50, 12, 0.88);
        let parents = if chance(self.rng, 0.85) {
            Some(self.spouse_of(head, Relation::Spouse))
        } else {
            None
        };
        let younger = parents.map_or(head.age, |s| s.age.min(head.age));
        let father_surname = parents.map_or(head.surname, |s| couple(head, s).0.surname);
        let age = (younger - 20 - between(self.rng, 0, 10)).max(18);
        let (child, in_law) = self.married_child(age, father_surname);
        let (gc_father, gc_parent) = couple(child, in_law);
        let count = pick(self.rng, &[(1, 40), (2, 40), (3, 15), (4, 5)]);
        let surname = self.child_surname(gc_father.surname);
        self.children(gc_parent, surname, Relation::Grandchild, count);
        if chance(self.rng, 0.3) {
            let extra = self.child_surname(father_surname);
            self.children(younger, extra, Relation::Child, 1);
        }
    }

    /// A married child of the head and the child's spouse (儿媳, or a
    /// 上门女婿 in one family of six).
    fn married_child(&mut self, age: u32, surname: &'static str) -> (Draft, Draft) {
        let sex = if chance(self.rng, 0.85) {
            Sex::Male
        } else {
            Sex::Female
        };
        let child = *self.push(Relation::Child, sex, age, surname);
        let in_law = self.spouse_of(child, Relation::ChildInLaw);
        (child, in_law)
    }

    fn with_parents(&mut self) {
        let head = self.head(26, 15, 0.9);
        let spouse = if chance(self.rng, 0.9) {
            Some(self.spouse_of(head, Relation::Spouse))
        } else {
            None
        };
        let mother_age = head.age + 19 + between(self.rng, 0, 6) + between(self.rng, 0, 7);
        let father_age = mother_age + between(self.rng, 0, 5);
        let which = pick(self.rng, &[(0u8, 45), (1, 40), (2, 15)]);
        if which != 1 && father_age <= 100 {
            self.push(Relation::Parent, Sex::Male, father_age, head.surname);
        }
        if which != 2 && mother_age <= 100 {
            let surname = self.names.surname(self.rng);
            self.push(Relation::Parent, Sex::Female, mother_age, surname);
        }
        let (father, younger) = spouse.map_or((head, head.age), |s| couple(head, s));
        let count = pick(self.rng, &CHILDREN[..4]);
        let surname = self.child_surname(father.surname);
        self.children(younger, surname, Relation::Child, count);
    }

    fn skip_generation(&mut self) {
        let head = self.head(54, 12, 0.75);
        if chance(self.rng, 0.7) {
            self.spouse_of(head, Relation::Spouse);
        }
        let count = pick(self.rng, &[(1, 45), (2, 40), (3, 15)]);
        let surname = self.child_surname(head.surname);
        for _ in 0..count {
            let age = between(self.rng, 1, 16).min(head.age.saturating_sub(38));
            let sex = self.sex(0.53);
            self.push(Relation::Grandchild, sex, age, surname);
        }
    }

    fn single_parent(&mut self) {
        let head = self.head(28, 16, 0.45);
        let count = pick(self.rng, &CHILDREN[..3]);
        self.children(head.age, head.surname, Relation::Child, count);
    }

    fn siblings(&mut self) {
        let head = self.head(30, 18, 0.85);
        let older = chance(self.rng, 0.5);
        let diff = between(self.rng, 1, 8);
        let age = if older {
            head.age + diff
        } else {
            head.age.saturating_sub(diff).max(18)
        };
        let sex = self.sex(0.7);
        self.push(Relation::Sibling, sex, age, head.surname);
        if head.age <= 55 && chance(self.rng, 0.3) {
            let mother_age = head.age.max(age) + 20 + between(self.rng, 0, 10);
            let surname = self.names.surname(self.rng);
            self.push(Relation::Parent, Sex::Female, mother_age, surname);
        }
    }

    /// Children take the father's surname, in a few families the mother's.
    fn child_surname(&mut self, father: &'static str) -> &'static str {
        if chance(self.rng, 0.05) {
            self.names.surname(self.rng)
        } else {
            father
        }
    }
}

/// The husband of a couple and the age of its younger member.
fn couple(a: Draft, b: Draft) -> (Draft, u32) {
    let husband = if a.sex == Sex::Male { a } else { b };
    (husband, a.age.min(b.age))
}

/// Whether a child of `age` is still registered in the parents' household.
fn stays_home(rng: &mut SimRng, age: u32, sex: Sex) -> bool {
    let p = match (sex, age) {
        (_, 0..18) => 1.0,
        (Sex::Male, 18..25) => 0.85,
        (Sex::Male, 25..35) => 0.55,
        (Sex::Male, _) => 0.35,
        (Sex::Female, 18..23) => 0.75,
        (Sex::Female, 23..28) => 0.35,
        (Sex::Female, _) => 0.08,
    };
    chance(rng, p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ages_are_consistent_with_relations() {
        let mut rng = SimRng::seed_from_u64(11);
        let names = Names::new();
        let mut out = Vec::new();
        for _ in 0..20_000 {
            household(&mut rng, &names, &mut out);
            let head = out[0];
            assert_eq!(head.relation, Relation::Head);
            for d in &out[1..] {
                let (h, a) = (head.age as i64, d.age as i64);
                match d.relation {
                    Relation::Spouse => assert_ne!(d.sex, head.sex),
                    Relation::Child => assert!((18..=40).contains(&(h - a)), "{head:?} {d:?}"),
                    Relation::Parent => assert!(a - h >= 18, "{head:?} {d:?}"),
                    Relation::Grandchild => assert!(h - a >= 36, "{head:?} {d:?}"),
                    _ => {}
                }
            }
        }
    }
}
