"""Value pools the generator draws from: names per nationality, airports and land crossings,
sponsors and e-mail domains.

Names are common ones for each country, written as they appear in the machine-readable zone of
a passport (Latin letters, no diacritics). Chinese names come as (pinyin, characters) pairs so
that ``name_native`` always agrees with the Latin spelling.
"""

from __future__ import annotations

from dataclasses import dataclass

# Chinese names as pairs of pinyin and characters
CN_SURNAMES: tuple[tuple[str, str], ...] = (
    ("WANG", "王"), ("LI", "李"), ("ZHANG", "张"), ("LIU", "刘"), ("CHEN", "陈"),
    ("YANG", "杨"), ("HUANG", "黄"), ("ZHAO", "赵"), ("WU", "吴"), ("ZHOU", "周"),
    ("XU", "徐"), ("SUN", "孙"), ("MA", "马"), ("ZHU", "朱"), ("HU", "胡"),
    ("GUO", "郭"), ("HE", "何"), ("GAO", "高"), ("LIN", "林"), ("LUO", "罗"),
    ("ZHENG", "郑"), ("LIANG", "梁"), ("XIE", "谢"), ("SONG", "宋"), ("TANG", "唐"),
    ("HAN", "韩"), ("FENG", "冯"), ("DENG", "邓"), ("CAO", "曹"), ("PENG", "彭"),
)  # fmt: skip
CN_GIVEN_F: tuple[tuple[str, str], ...] = (
    ("FANG", "芳"), ("NA", "娜"), ("MIN", "敏"), ("JING", "静"), ("XIUYING", "秀英"),
    ("YAN", "艳"), ("JUAN", "娟"), ("XIA", "霞"), ("GUIYING", "桂英"), ("HAIYAN", "海燕"),
    ("YUXUAN", "雨萱"), ("XINYI", "欣怡"), ("LILI", "丽丽"), ("XIAOHONG", "晓红"),
    ("MEILING", "美玲"), ("YUE", "悦"),
)  # fmt: skip
CN_GIVEN_M: tuple[tuple[str, str], ...] = (
    ("WEI", "伟"), ("QIANG", "强"), ("LEI", "磊"), ("JUN", "军"), ("YONG", "勇"),
    ("JIE", "杰"), ("TAO", "涛"), ("MING", "明"), ("CHAO", "超"), ("GANG", "刚"),
    ("JIANHUA", "建华"), ("ZHIQIANG", "志强"), ("XIAOMING", "晓明"), ("HAORAN", "浩然"),
    ("ZIHAN", "子涵"), ("BO", "波"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NamePool:
    surnames: tuple[str, ...]
    given_f: tuple[str, ...]
    given_m: tuple[str, ...]


LATIN_NAMES: dict[str, NamePool] = {
    "CN": NamePool(
        tuple(p for p, _ in CN_SURNAMES),
        tuple(p for p, _ in CN_GIVEN_F),
        tuple(p for p, _ in CN_GIVEN_M),
    ),
    "VN": NamePool(
        ("NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "HUYNH", "PHAN", "VU", "VO", "DANG", "BUI", "DO"),
        ("THI MAI", "THI LAN", "THI HOA", "THU TRANG", "NGOC LINH", "THI HUONG", "MY DUYEN"),
        ("VAN ANH", "MINH TUAN", "DUC ANH", "QUOC BAO", "HOANG NAM", "VAN HUNG", "THANH LONG"),
    ),
    "TH": NamePool(
        ("SAETANG", "SRISUK", "WONGSAWAT", "BOONMEE", "KAEWKHAM", "SUKJAI", "PHROMMA", "CHAIYO"),
        ("SIRIPORN", "KANYA", "ANONG", "MALEE", "PLOY", "NARUMON", "WANIDA"),
        ("SOMCHAI", "NIRAN", "PRASERT", "SOMSAK", "ARTHIT", "WICHAI", "KITTI"),
    ),
    "MY": NamePool(
        ("TAN", "LIM", "WONG", "ABDULLAH", "ISMAIL", "RAHMAN", "KUMAR", "HASSAN", "ONG"),
        ("NURUL AINA", "SITI AISYAH", "WEI LING", "KAVITHA", "NUR IZZATI", "MEI LING"),
        ("AHMAD", "MUHAMMAD HAFIZ", "WEI JIE", "RAJESH", "MOHD FAIZAL", "CHEE KEONG"),
    ),
    "SG": NamePool(
        ("TAN", "LIM", "LEE", "NG", "ONG", "WONG", "GOH", "CHUA", "KUMAR", "BINTE ISMAIL"),
        ("HUI MIN", "JIA YI", "SHU TING", "PRIYA", "NUR AISHAH", "XIN YI"),
        ("WEI MING", "JUN JIE", "ZHI HAO", "ARJUN", "MUHAMMAD IRFAN", "KAI WEN"),
    ),
    "KH": NamePool(
        ("SOK", "CHAN", "KIM", "HENG", "LY", "CHEA", "MEAS", "PICH", "SAM", "KEO"),
        ("SOPHEA", "SREYMOM", "BOPHA", "CHANTHOU", "SREYNEANG", "DAVY"),
        ("DARA", "VANNA", "RITHY", "SOVANN", "VIBOL", "PISETH"),
    ),
    "MM": NamePool(
        ("AUNG", "KYAW", "HTUN", "WIN", "OO", "MYINT", "THEIN", "NAING", "SOE", "HLAING"),
        ("THIDA", "SU MYAT", "HNIN WAI", "KHIN MAR", "EI PHYU", "NANDAR"),
        ("MIN THU", "ZAW LIN", "KO KO", "THET NAING", "AUNG MYO", "HTET AUNG"),
    ),
    "LA": NamePool(
        ("PHOMMACHANH", "VONGSA", "SISOUPHAN", "KEOMANY", "INTHAVONG", "SOUVANNA", "XAYAVONG"),
        ("KHAMLA", "NOY", "VILAY", "MANIVONE", "DOUANGTA", "PHETSAMONE"),
        ("SOUKSAVANH", "PHONESAVANH", "BOUNMY", "KHAMPHONE", "SENGPHET", "VIENGXAY"),
    ),
    "PH": NamePool(
        ("SANTOS", "REYES", "CRUZ", "BAUTISTA", "GARCIA", "DELA CRUZ", "MENDOZA", "RAMOS"),
        ("MARIA", "ANGELICA", "JOY", "KRISTINE", "MARICEL", "JENNY"),
        ("JOSE", "MARK", "RODEL", "JOHN PAUL", "RAMON", "JERICHO"),
    ),
    "ID": NamePool(
        ("WIJAYA", "SAPUTRA", "SIREGAR", "HIDAYAT", "LESTARI", "KUSUMA", "SETIAWAN", "NASUTION"),
        ("DEWI", "SITI", "PUTRI", "RATNA", "SRI WAHYUNI", "INDAH"),
        ("BUDI", "AGUS", "RIZKY", "EKO", "ANDI", "JOKO"),
    ),
    "JP": NamePool(
        ("SATO", "SUZUKI", "TAKAHASHI", "TANAKA", "WATANABE", "ITO", "YAMAMOTO", "NAKAMURA"),
        ("YUI", "HINA", "YUKI", "AOI", "SAKURA", "MIO"),
        ("HARUTO", "SOTA", "REN", "YUTO", "HIROSHI", "TAKUMI"),
    ),
    "KR": NamePool(
        ("KIM", "LEE", "PARK", "CHOI", "JUNG", "KANG", "CHO", "YOON", "JANG", "LIM"),
        ("SEOYEON", "HAEUN", "JIWOO", "MINJI", "SUJIN", "YEJIN"),
        ("MINJUN", "JIHO", "DOYUN", "SEOJUN", "HYUNWOO", "JUNHO"),
    ),
    "NP": NamePool(
        ("SHRESTHA", "GURUNG", "TAMANG", "RAI", "MAGAR", "THAPA", "SHARMA", "LAMA"),
        ("SITA", "SUNITA", "ANITA", "GITA", "SARITA", "PASANG"),
        ("RAM", "BIKASH", "SUMAN", "HARI", "RAJESH", "DORJE"),
    ),
    "AE": NamePool(
        ("AL MANSOURI", "AL HASHIMI", "AL SUWAIDI", "AL MAZROUEI", "AL KETBI", "AL SHAMSI"),
        ("FATIMA", "MARIAM", "AISHA", "NOURA", "HESSA", "SHAMMA"),
        ("MOHAMMED", "AHMED", "KHALID", "SAEED", "RASHID", "HAMDAN"),
    ),
}
OTHER_NAMES = NamePool(
    ("SMITH", "MUELLER", "MARTIN", "SILVA", "KHAN", "IVANOV", "GARCIA", "BROWN", "ROSSI"),
    ("ANNA", "MARIA", "SARAH", "ELENA", "FATIMA", "LAURA"),
    ("JOHN", "DAVID", "ALI", "IVAN", "CARLOS", "PAUL"),
)

# International airports per country (IATA codes). A traveller who flies, or changes planes at a
# transit hub, enters and leaves through one of these.
AIRPORTS: dict[str, tuple[str, ...]] = {
    "CN": ("PEK", "PVG", "CAN", "SZX", "KMG", "CTU", "XMN", "NNG"),
    "TH": ("BKK", "DMK", "HKT", "CNX"),
    "MY": ("KUL", "PEN", "BKI", "JHB"),
    "SG": ("SIN",),
    "VN": ("SGN", "HAN", "DAD"),
    "KH": ("PNH", "REP"),
    "MM": ("RGN", "MDL"),
    "LA": ("VTE", "LPQ"),
    "PH": ("MNL", "CEB", "CRK"),
    "ID": ("CGK", "DPS", "SUB", "KNO"),
    "JP": ("NRT", "HND", "KIX"),
    "KR": ("ICN", "PUS"),
    "AE": ("DXB", "AUH"),
    "NP": ("KTM",),
    "HK": ("HKG",),
    "QA": ("DOH",),
}
# Land border crossings: (country, neighbour) -> the crossings on the country's side of that
# border. Only a journey between two neighbours, with no transit hub, may go overland, and then
# it passes a crossing on that very border (never, say, a Myanmar crossing on a trip to Laos).
LAND_CROSSINGS: dict[tuple[str, str], tuple[str, ...]] = {
    ("CN", "VN"): ("HEKOU", "DONGXING", "YOUYIGUAN"),
    ("VN", "CN"): ("LAO-CAI", "MONG-CAI", "HUU-NGHI"),
    ("CN", "MM"): ("RUILI",),
    ("MM", "CN"): ("MUSE",),
    ("CN", "LA"): ("MOHAN",),
    ("LA", "CN"): ("BOTEN",),
    ("CN", "NP"): ("GYIRONG",),
    ("NP", "CN"): ("RASUWAGADHI",),
    ("TH", "MM"): ("MAE-SOT",),
    ("MM", "TH"): ("MYAWADDY",),
    ("TH", "LA"): ("NONG-KHAI",),
    ("LA", "TH"): ("FRIENDSHIP-BRIDGE",),
    ("TH", "KH"): ("ARANYAPRATHET",),
    ("KH", "TH"): ("POIPET",),
    ("TH", "MY"): ("SADAO",),
    ("MY", "TH"): ("BUKIT-KAYU-HITAM",),
    ("MY", "SG"): ("JOHOR-BAHRU-CIQ",),
    ("SG", "MY"): ("WOODLANDS",),
    ("VN", "KH"): ("MOC-BAI",),
    ("KH", "VN"): ("BAVET",),
}

EMPLOYERS: tuple[str, ...] = (
    "Golden Harvest Agro Co", "Pacific Seafood Processing Ltd", "Sunrise Garments Factory",
    "Mekong Construction Group", "Lotus Electronics Assembly", "Silver Coast Hotels",
    "Jade Dragon Trading Co", "Blue Ocean Fisheries", "Harmony Elderly Care",
    "Evergreen Plantations Sdn Bhd", "Orchid Restaurant Group", "Star Logistics Co",
)  # fmt: skip
AGENCIES: tuple[str, ...] = (
    "Bright Future Manpower", "Asia Link Recruitment", "Global Workforce Services",
    "Harmony Overseas Employment", "Trust Labour Solutions", "Pearl Career Agency",
    "New Horizon Placement", "Unity Manpower Supply",
)  # fmt: skip
# Agencies the default population's recruiters use; a watch list in an example profile set
# might name these, but the generator never relies on any profile knowing them.
AGENCIES_OF_CONCERN: tuple[str, ...] = (
    "Golden Opportunity Jobs", "Easy Visa Work Abroad", "Fast Track Overseas Employment",
    "Lucky Star Entertainment Agency", "Happy Marriage Matchmaking",
)  # fmt: skip
FAMILY_SPONSORS: tuple[str, ...] = ("spouse", "parent", "sibling", "relative", "friend")
INSTITUTIONS: tuple[str, ...] = (
    "National University",
    "Institute of Technology",
    "Language Centre",
    "Medical University",
)

# E-mail domains. All under the reserved ``.example`` top-level domain (RFC 2606), so that no
# synthetic address can belong to a real person or company.
MAIL_DOMAINS_GLOBAL: tuple[str, ...] = ("webmail.example", "inbox.example", "postbox.example")
# a national provider per country: "mail.<country code>.example"
# local parts a company or an agent uses when it books for travellers
BOOKER_MAILBOXES: tuple[str, ...] = ("booking", "travel", "hr", "info", "recruit")
