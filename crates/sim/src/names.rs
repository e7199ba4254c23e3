//! 姓名: surnames weighted by frequency in a Yi/Hui/Miao county of western
//! Guizhou, and given names that follow the fashions of each generation.

use crate::random::{SimRng, Weighted, chance};
use dixian_domain::Sex;
use rand::seq::IndexedRandom;

/// Surnames and relative frequencies: the national top names, plus those
/// common among the Yi (禄, 安, 陇), Hui (马, 丁, 海, 保) and Miao (陶, 龙,
/// 熊, 杨, 朱, 卯) of Weining.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 60),
    ("李", 58),
    ("张", 52),
    ("陈", 40),
    ("刘", 38),
    ("杨", 36),
    ("马", 24),
    ("周", 22),
    ("吴", 20),
    ("朱", 18),
    ("胡", 18),
    ("罗", 16),
    ("赵", 16),
    ("黄", 14),
    ("何", 12),
    ("禄", 10),
    ("安", 10),
    ("徐", 10),
    ("高", 10),
    ("龙", 9),
    ("陶", 8),
    ("苏", 8),
    ("余", 8),
    ("邓", 8),
    ("孙", 8),
    ("管", 7),
    ("丁", 7),
    ("郭", 7),
    ("田", 7),
    ("熊", 6),
    ("谢", 6),
    ("唐", 6),
    ("曹", 6),
    ("袁", 6),
    ("付", 6),
    ("蔡", 5),
    ("肖", 5),
    ("宋", 5),
    ("韩", 5),
    ("冯", 5),
    ("彭", 5),
    ("蒋", 5),
    ("许", 5),
    ("曾", 5),
    ("董", 5),
    ("卢", 5),
    ("林", 5),
    ("梁", 5),
    ("郑", 5),
    ("海", 4),
    ("孔", 4),
    ("金", 4),
    ("沈", 4),
    ("邹", 4),
    ("聂", 4),
    ("龚", 4),
    ("范", 4),
    ("路", 4),
    ("姚", 4),
    ("文", 4),
    ("保", 3),
    ("卯", 3),
    ("尚", 3),
    ("施", 3),
    ("颜", 3),
    ("秦", 3),
    ("邱", 3),
    ("潘", 3),
    ("毛", 3),
    ("陇", 2),
    ("祖", 2),
    ("桂", 2),
    ("吉", 2),
    ("敖", 2),
];

/// Given names of people born before 1960.
const ELDER_MALE: &[&str] = &[
    "国华", "德明", "正发", "开富", "光荣", "永昌", "学明", "绍云", "发贵", "明德", "荣华", "兴旺",
    "福元", "正荣", "德兴", "国富", "文学", "天才", "有才", "登科", "忠", "贵", "福", "明", "发",
    "清", "顺", "金山", "应祥", "朝贵",
];
const ELDER_FEMALE: &[&str] = &[
    "秀英", "桂英", "玉兰", "秀兰", "桂兰", "玉珍", "凤英", "翠花", "兰英", "素珍", "秀珍", "玉英",
    "桂芝", "秀芬", "会英", "春花", "正芬", "光珍", "英", "珍", "芬", "妹", "花", "翠", "兰", "粉",
    "菊", "秀",
];
/// Given names of people born 1960–1979.
const MIDDLE_MALE: &[&str] = &[
    "建华", "建军", "志强", "红兵", "国庆", "永红", "德华", "卫东", "明华", "永刚", "光明", "红军",
    "建国", "学文", "开明", "军", "伟", "勇", "强", "刚", "平", "明", "海", "林", "斌", "华", "忠",
    "松", "江", "波",
];
const MIDDLE_FEMALE: &[&str] = &[
    "红梅", "丽华", "春梅", "桂芳", "晓红", "秀琼", "仕芬", "艳芬", "永芬", "小芬", "丽", "红",
    "芳", "艳", "萍", "英", "玲", "霞", "燕", "琼", "梅", "会", "敏", "莲", "琴", "美", "珍", "仙",
];
/// Given names of people born 1980–1999.
const YOUNG_MALE: &[&str] = &[
    "海涛", "文杰", "志刚", "明亮", "建波", "小龙", "永福", "兴林", "俊", "涛", "磊", "鹏", "超",
    "杰", "浩", "波", "飞", "亮", "雄", "江", "勇", "辉", "军", "刚", "兵", "贵", "林", "强",
];
const YOUNG_FEMALE: &[&str] = &[
    "小丽", "小燕", "春艳", "丽娟", "海燕", "小芳", "美玲", "敏", "静", "丽", "娟", "婷", "霞",
    "燕", "琴", "芳", "丹", "梅", "雪", "玉", "艳", "莉", "倩", "娇", "慧", "萍",
];
/// Given names of people born since 2000.
const CHILD_MALE: &[&str] = &[
    "浩然", "宇轩", "子豪", "俊杰", "梓轩", "家豪", "宇航", "博文", "一鸣", "天佑", "浩宇", "嘉豪",
    "思源", "锦程", "子涵", "俊熙", "宇", "睿", "轩", "铭", "辰", "航", "凯", "鑫", "杰", "阳",
    "涛", "旭",
];
const CHILD_FEMALE: &[&str] = &[
    "欣怡", "梓涵", "诗琪", "雨涵", "紫涵", "佳怡", "思雨", "可馨", "语嫣", "子琪", "雨欣", "梦瑶",
    "婷婷", "佳琪", "欣悦", "一诺", "若曦", "雨萱", "诗涵", "梦琪", "雪", "琪", "欣", "悦", "瑶",
    "媛", "萱", "婷",
];
/// 字辈: generation characters shared by brothers (and some sisters) of
/// families that still keep a genealogy.
const GENERATION_CHARS: &[&str] = &[
    "正", "德", "昌", "明", "开", "兴", "永", "世", "文", "朝", "光", "国", "家", "绍", "廷", "发",
    "应", "仕", "元", "承",
];

/// Surname table, built once per run.
pub(crate) struct Names {
    surnames: Weighted<&'static str>,
}

impl Names {
    /// Builds the weighted surname table.
    pub(crate) fn new() -> Self {
        Names {
            surnames: Weighted::new(SURNAMES),
        }
    }

    /// A surname drawn by frequency.
    pub(crate) fn surname(&self, rng: &mut SimRng) -> &'static str {
        self.surnames.sample(rng)
    }
}

/// A 字辈 character for a family's children with probability `keeps`.
pub(crate) fn generation_char(rng: &mut SimRng, keeps: f64) -> Option<&'static str> {
    chance(rng, keeps).then(|| *GENERATION_CHARS.choose(rng).expect("non-empty"))
}

/// A full name: surname plus a given name fitting the birth year and sex;
/// men (and a few women) carry the family's 字辈 when it has one.
pub(crate) fn full_name(
    rng: &mut SimRng,
    surname: &str,
    birth_year: i32,
    sex: Sex,
    generation: Option<&str>,
) -> String {
    let pool = given_pool(birth_year, sex);
    let given = *pool.choose(rng).expect("pools are non-empty");
    let shared = generation.filter(|_| sex == Sex::Male || chance(rng, 0.15));
    match shared {
        Some(g) => {
            let last = given.chars().last().expect("given names are non-empty");
            format!("{surname}{g}{last}")
        }
        None => format!("{surname}{given}"),
    }
}

/// Given-name pools (male, female) of the cohorts born before 1960,
/// 1960–1979, 1980–1999 and since 2000.
const COHORTS: [(&[&str], &[&str]); 4] = [
    (ELDER_MALE, ELDER_FEMALE),
    (MIDDLE_MALE, MIDDLE_FEMALE),
    (YOUNG_MALE, YOUNG_FEMALE),
    (CHILD_MALE, CHILD_FEMALE),
];

/// The given-name pool of a birth cohort and sex.
fn given_pool(birth_year: i32, sex: Sex) -> &'static [&'static str] {
    let cohort = [1960, 1980, 2000]
        .iter()
        .filter(|&&y| birth_year >= y)
        .count();
    let (male, female) = COHORTS[cohort];
    if sex == Sex::Male { male } else { female }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_are_two_or_three_characters_after_the_surname() {
        let mut rng = SimRng::seed_from_u64(7);
        let names = Names::new();
        for year in [1935, 1965, 1990, 2015] {
            for sex in [Sex::Male, Sex::Female] {
                for _ in 0..200 {
                    let s = names.surname(&mut rng);
                    let g = generation_char(&mut rng, 0.5);
                    let n = full_name(&mut rng, s, year, sex, g);
                    assert!(n.starts_with(s));
                    assert!((2..=3).contains(&n.chars().count()), "{n}");
                }
            }
        }
    }

    #[test]
    fn generations_differ() {
        assert!(given_pool(1940, Sex::Female).contains(&"秀英"));
        assert!(!given_pool(2015, Sex::Female).contains(&"秀英"));
        assert!(given_pool(2015, Sex::Male).contains(&"浩然"));
    }
}
