"""Words for the synthetic workload: descriptions from a category's keywords, addresses from
real community names, reporters' names and phone numbers. All drawn from a numpy Generator, so
the same seed gives the same text."""

from __future__ import annotations

import numpy as np

# "{kw}" is the category keyword; the sentence is what a caller or a grid worker would say.
LEADS = ("", "小区门口", "楼下", "路口", "胡同里", "单元门口", "公交站旁", "菜市场附近",
         "学校门口", "公园东门", "地铁口", "十字路口西侧")
TEMPLATES = (
    "{lead}{kw}，{tail}",
    "反映{lead}{kw}问题，{tail}",
    "{lead}发现{kw}，{tail}",
    "市民来电：{lead}{kw}，{tail}",
    "巡查发现{lead}{kw}，已拍照取证，{tail}",
    "{lead}{kw}{kw2}，{tail}",
)
TAILS = ("请尽快处理。", "影响居民出行，请尽快处理。", "已持续多日，希望有关部门解决。",
         "存在安全隐患。", "居民意见较大。", "请派人查看。", "多次反映未解决。", "夜间尤为严重。")
BUILDING_FORMS = ("{c}{n}号楼", "{c}{n}号楼{u}单元", "{s}{c}{n}号院", "{d}{s}{c}{n}号楼",
                  "{c}附近", "{d}{c}{n}号楼{u}单元{r}室")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "淑珍", "志强")
MOBILE_PREFIXES = ("133", "135", "136", "138", "139", "150", "152", "158", "176", "185", "186",
                   "188", "199")


def descriptions(rng: np.random.Generator, keywords: list[list[str]], names: list[str],
                 category_index: np.ndarray) -> list[str]:
    """One sentence per row, built around a keyword of the row's category (or its name)."""
    n = len(category_index)
    t = rng.integers(0, len(TEMPLATES), n)
    lead = rng.integers(0, len(LEADS), n)
    tail = rng.integers(0, len(TAILS), n)
    pick = rng.random((n, 2))
    out = []
    for i in range(n):
        c = category_index[i]
        words = keywords[c] or [names[c]]
        kw = words[int(pick[i, 0] * len(words))]
        kw2 = words[int(pick[i, 1] * len(words))]
        out.append(TEMPLATES[t[i]].format(lead=LEADS[lead[i]], kw=kw,
                                          kw2="" if kw2 == kw else "，还有" + kw2,
                                          tail=TAILS[tail[i]]))
    return out


def addresses(rng: np.random.Generator, district: list[str], street: list[str],
              community: list[str]) -> list[str]:
    """An address per row from the row's (real) district, street and community names."""
    n = len(community)
    form = rng.integers(0, len(BUILDING_FORMS), n)
    num = rng.integers(1, 40, n)
    unit = rng.integers(1, 7, n)
    room = rng.integers(101, 1805, n)
    return [BUILDING_FORMS[form[i]].format(d=district[i], s=street[i], c=community[i], n=num[i],
                                           u=unit[i], r=room[i]) for i in range(n)]


def reporters(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """(names, mobile numbers) of n invented callers."""
    s = rng.integers(0, len(SURNAMES), n)
    g = rng.integers(0, len(GIVEN), n)
    p = rng.integers(0, len(MOBILE_PREFIXES), n)
    tail = rng.integers(0, 100_000_000, n)
    names = [SURNAMES[s[i]] + GIVEN[g[i]] for i in range(n)]
    phones = [f"{MOBILE_PREFIXES[p[i]]}{tail[i]:08d}" for i in range(n)]
    return names, phones


def short_place(name: str) -> str:
    """三里河一区社区居委会 → 三里河一区社区; 月坛街道办事处 → 月坛街道 (how addresses name them)."""
    for suffix, repl in (("社区居民委员会", "社区"), ("社区居委会", "社区"), ("居民委员会", "社区"),
                         ("居委会", "社区"), ("村民委员会", "村"), ("村委会", "村"),
                         ("街道办事处", "街道"), ("地区办事处", "地区")):
        if name.endswith(suffix):
            return name[: -len(suffix)] + repl
    return name
