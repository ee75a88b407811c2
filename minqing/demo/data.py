"""The demo district's tables: places, people, departments, categories, problems and this
evening's reports. Every name, number and text here is invented for the demo."""

from __future__ import annotations

from minqing.cases.models import (
    TimeLimitClass,
)
from minqing.people.models import Role
from minqing.places.models import DepartmentLevel, PlaceKind

DEMO_PASSWORD = "minqing-demo"


DISTRICT_CODE = "120101"


DAYS = 120


# username, full name, role, where (place code or department code), phone
LOGINS: list[tuple[str, str, str, str, str]] = [
    ("gridworker", "张玉梅", Role.GRID_WORKER, "HYNL-G1", "13920010001"),
    ("agencycadre", "李建国", Role.AGENCY_CADRE, "HYNL-G1", "13920010002"),
    ("streetcadre", "王海燕", Role.STREET_CADRE, "HYNL-G1", "13920010003"),
    ("partymember", "赵国庆", Role.PARTY_MEMBER, "HYNL-G1", "13920010004"),
    ("buildinghead", "孙秀兰", Role.BUILDING_HEAD, "HYNL-G1-B07", "13920010005"),
    ("unitmember", "周晓东", Role.UNIT_MEMBER, "HYNL-G1", "13920010006"),
    ("volunteer", "吴小青", Role.VOLUNTEER, "HYNL-G1", "13920010007"),
    ("community", "郑丽华", Role.COMMUNITY_STAFF, "HYNL", "13920010008"),
    ("subdistrict", "冯志强", Role.SUBDISTRICT_STAFF, "WDD", "13920010009"),
    ("handler", "陈明", Role.HANDLER, "D-RENOV", "13920010010"),
    ("water", "褚红梅", Role.HANDLER, "D-WATER", "13920010011"),
    ("leader", "卫东升", Role.LEADER, DISTRICT_CODE, "13920010012"),
    ("hexi", "何西平", Role.COMMUNITY_STAFF, "PJNL", "13920010013"),
]


# The head of a department sees its figures and its people ranked.
DEPARTMENT_HEADS = ["water"]


# A second district in the same deployment, run by other rules (data, not code): its grids
# pass what they cannot solve to the community and the community straight to the district
# (no sub-district step), a new case must be taken up within 1 hour, ordinary problems get
# 5 days, and it files river-bank problems under a category of its own.
SECOND_DISTRICT = "120103"


SECOND_PLACES: list[tuple[str, str, str | None, str]] = [
    (SECOND_DISTRICT, "河西区", None, PlaceKind.DISTRICT),
    ("YYL", "友谊路街", SECOND_DISTRICT, PlaceKind.SUBDISTRICT),
    ("PJNL", "平江南里社区", "YYL", PlaceKind.COMMUNITY),
    ("PJNL-G1", "平江南里第一网格", "PJNL", PlaceKind.GRID),
    ("PJNL-G1-B01", "平江南里1号", "PJNL-G1", PlaceKind.BUILDING),
    ("PJNL-G1-B02", "平江南里2号", "PJNL-G1", PlaceKind.BUILDING),
    ("PJNL-G1-B03", "平江南里3号", "PJNL-G1", PlaceKind.BUILDING),
]


SECOND_RULES = {"ladder": "grid,community,district", "respond_hours": 1}


# (level or "" for every level, class, hours)
SECOND_LIMITS = [("", TimeLimitClass.ORDINARY, 5 * 24), ("community", TimeLimitClass.ORDINARY, 48)]


SECOND_DEPARTMENTS = [("HX-RIVER", "河西区河道管理所"), ("HX-HOUSING", "河西区房屋管理局")]


# (minutes ago, building, title, description, category: own / shared top name)
SECOND_CASES = [
    (300, "PJNL-G1-B01", "河边护栏松动", "平江南里旁河边的护栏有一段松动，孩子常在那里玩。", "own"),
    (50, "PJNL-G1-B03", "楼门关不严", "3号楼单元门变形，关不严。", "城乡建设"),
]


# code, name, parent code, kind
PLACES: list[tuple[str, str, str | None, str]] = [
    (DISTRICT_CODE, "和平区", None, PlaceKind.DISTRICT),
    ("WDD", "五大道街", DISTRICT_CODE, PlaceKind.SUBDISTRICT),
    ("NYM", "南营门街", DISTRICT_CODE, PlaceKind.SUBDISTRICT),
    ("HYNL", "华荫南里社区", "WDD", PlaceKind.COMMUNITY),
    ("MYXL", "民园西里社区", "WDD", PlaceKind.COMMUNITY),
    ("XJL", "新建里社区", "NYM", PlaceKind.COMMUNITY),
]


GRIDS = {
    "HYNL": [("HYNL-G1", "华荫南里第一网格"), ("HYNL-G2", "华荫南里第二网格")],
    "MYXL": [("MYXL-G1", "民园西里第一网格"), ("MYXL-G2", "民园西里第二网格")],
    "XJL": [("XJL-G1", "新建里第一网格"), ("XJL-G2", "新建里第二网格")],
}


STREET_OF_BUILDINGS = {
    "HYNL-G1": ("义顺里", range(1, 11)),
    "HYNL-G2": ("华荫南里", range(1, 9)),
    "MYXL-G1": ("民园西里", range(1, 7)),
    "MYXL-G2": ("常德道", range(11, 17)),
    "XJL-G1": ("新建里", range(1, 7)),
    "XJL-G2": ("营口道", range(21, 27)),
}


# The grid whose team lacks its sub-district cadre (reported by team_report).
INCOMPLETE_GRID = "XJL-G2"


DEPARTMENTS: list[tuple[str, str, str]] = [
    ("D-HOUSING", "区住房和建设委员会", DepartmentLevel.DISTRICT),
    ("D-RENOV", "区老旧房屋改造办公室", DepartmentLevel.DISTRICT),
    ("D-PLAN", "区规划和自然资源局", DepartmentLevel.DISTRICT),
    ("D-HRSS", "区人力资源和社会保障局", DepartmentLevel.DISTRICT),
    ("D-WATER", "区水务局", DepartmentLevel.DISTRICT),
    ("D-CITY", "区城市管理委员会", DepartmentLevel.DISTRICT),
    ("D-EDU", "区教育局", DepartmentLevel.DISTRICT),
    ("D-CULTURE", "区文化和旅游局", DepartmentLevel.DISTRICT),
    ("D-MARKET", "区市场监督管理局", DepartmentLevel.DISTRICT),
    ("D-ENV", "区生态环境局", DepartmentLevel.DISTRICT),
    ("D-HEALTH", "区卫生健康委员会", DepartmentLevel.DISTRICT),
    ("D-TRANSPORT", "区交通运输局", DepartmentLevel.DISTRICT),
    ("D-CIVIL", "区民政局", DepartmentLevel.DISTRICT),
    ("D-WDD", "五大道街道办事处", DepartmentLevel.SUBDISTRICT),
]


LIAISON_UNITS = [
    ("L-HOUSING", "区住房和建设委员会机关", ["HYNL"]),
    ("L-FINANCE", "区财政局机关", ["MYXL"]),
    ("L-AUDIT", "区审计局机关", ["XJL"]),
]

EMERG, UTIL, ORD, CPLX = (
    TimeLimitClass.EMERGENCY,
    TimeLimitClass.UTILITIES,
    TimeLimitClass.ORDINARY,
    TimeLimitClass.COMPLEX,
)


CATEGORIES: list[tuple[str, str, str, str, str, str, list[tuple[str, str]]]] = [
    (
        "城乡建设",
        "住房与物业",
        "楼门楼道设施",
        "D-RENOV",
        ORD,
        "楼门 单元门 门禁 楼道 扶手",
        [
            ("单元门关不上", "楼门老化变形，晚上关不严，外人随意进出，老人担心安全。"),
            ("楼道扶手松动", "三楼到四楼的扶手晃得厉害，老人上下楼不敢扶。"),
            ("楼道灯不亮", "楼道声控灯坏了半个月，晚上上下楼摸黑。"),
        ],
    ),
    (
        "城乡建设",
        "住房与物业",
        "房屋漏水",
        "D-HOUSING",
        ORD,
        "漏水 渗水 屋顶 墙皮",
        [
            ("顶层屋面漏雨", "一下雨顶层卧室就渗水，墙皮大块脱落。"),
            ("外墙渗水", "北侧外墙裂缝，雨天屋里墙面发霉。"),
        ],
    ),
    (
        "城乡建设",
        "市政设施",
        "供水管道",
        "D-WATER",
        UTIL,
        "水管 自来水 水压 锈水 管道",
        [
            ("老旧水管锈水", "早上放出来的自来水发黄，管道用了三十多年。"),
            ("水压太低", "高峰时段五楼以上几乎没有水。"),
            ("楼下水管爆裂", "一楼门口水管漏水，地面结冰很滑。"),
        ],
    ),
    (
        "城乡建设",
        "市政设施",
        "排水与积水",
        "D-WATER",
        UTIL,
        "积水 下水道 排水 堵塞 坡道",
        [
            ("无障碍坡道积水", "一下雨楼前坡道就淹，轮椅过不去。"),
            ("下水道返味", "院内雨水井堵塞，夏天气味很大。"),
        ],
    ),
    (
        "城乡建设",
        "市政设施",
        "燃气安全",
        "D-CITY",
        EMERG,
        "燃气 煤气 漏气 气味",
        [
            ("楼道有燃气味", "傍晚楼道里闻到明显的燃气味，居民很担心。"),
        ],
    ),
    (
        "城乡建设",
        "规划建设",
        "违章搭建",
        "D-PLAN",
        CPLX,
        "违建 搭建 私建 占用",
        [
            ("一楼私搭棚子", "一楼住户在公共绿地上搭了棚子，挡住消防通道。"),
        ],
    ),
    (
        "劳动和社会保障",
        "社会保险",
        "社保与养老金",
        "D-HRSS",
        ORD,
        "社保 养老金 医保 退休",
        [
            ("退休金认证不会操作", "独居老人不会用手机做养老金资格认证，希望上门帮忙。"),
            ("灵活就业社保缴费", "失业后想以灵活就业身份续缴社保，不清楚流程。"),
            ("医保报销比例咨询", "退休老人住院后医保报销比例不清楚，希望社保窗口解释。"),
            ("养老金迟迟没有到账", "父亲退休手续办完两个月，养老金还没有发放。"),
        ],
    ),
    (
        "劳动和社会保障",
        "劳动关系",
        "拖欠工资",
        "D-HRSS",
        CPLX,
        "工资 拖欠 欠薪",
        [
            ("装修工人被拖欠工资", "小区装修队工人反映两个月工资没有发。"),
            ("物业保安被拖欠工资", "小区物业公司拖欠保安三个月工资，工人讨薪无门。"),
            ("打工没签劳动合同", "在超市打工没签劳动合同，被辞退后拿不到补偿。"),
        ],
    ),
    (
        "教育文体",
        "文体活动",
        "活动场地",
        "D-WDD",
        ORD,
        "合唱 活动室 场地 健身",
        [
            ("老年合唱队没有排练场地", "社区老年合唱队二十多人，一直找不到固定的排练地方。"),
            ("健身器材损坏", "小区健身器材的转盘坏了，有孩子差点夹手。"),
            ("社区图书室开放时间太短", "图书室只在工作日上午开放，上班族和学生用不上。"),
            ("篮球场地面破损", "社区篮球场地面开裂，孩子打球容易崴脚。"),
        ],
    ),
    (
        "教育文体",
        "教育",
        "入学与托管",
        "D-EDU",
        CPLX,
        "入学 学位 托管 课后",
        [
            ("双职工孩子放学没人接", "希望社区能组织课后托管。"),
            ("孩子入学报名材料咨询", "今年孩子上小学，不清楚入学报名需要准备哪些材料。"),
            ("暑期托管班名额太少", "社区暑期托管班报名很快满了，很多双职工家庭的孩子报不上。"),
        ],
    ),
    (
        "商贸旅游",
        "市场秩序",
        "占道经营",
        "D-MARKET",
        ORD,
        "摊贩 占道 早市 经营",
        [
            ("早点摊占用人行道", "早上摊位把人行道全占了，行人只能走机动车道。"),
            ("菜市场门口摊贩堵路", "早市摊贩把菜市场门口全占了，车辆和行人都过不去。"),
        ],
    ),
    (
        "商贸旅游",
        "消费维权",
        "预付卡退费",
        "D-MARKET",
        CPLX,
        "预付卡 退费 理发 健身卡",
        [
            ("理发店关门预付卡无法退费", "楼下理发店突然关门，卡里还有八百元。"),
            ("健身房停业会员卡退不了", "小区附近健身房突然停业，办的年卡无法退费。"),
            ("超市出售过期食品", "楼下超市货架上有过期牛奶，希望市场监管部门检查。"),
        ],
    ),
    (
        "环境保护",
        "环境污染",
        "噪音与油烟",
        "D-ENV",
        ORD,
        "噪音 油烟 扰民 施工",
        [
            ("饭店油烟扰民", "临街饭店排烟口正对居民窗户，家里不敢开窗。"),
            ("夜间施工噪音", "工地晚上十一点以后还在施工，影响休息。"),
            ("夜间装修噪音扰民", "楼上住户晚上十点以后还在装修，电钻噪音很大。"),
            ("广场舞音响太吵", "晚上广场舞音响声音很大，影响老人和孩子休息。"),
            ("垃圾站臭味扰民", "小区垃圾站清运不及时，夏天臭味很大，污染环境。"),
        ],
    ),
    (
        "卫生计生",
        "医疗卫生",
        "社区卫生服务",
        "D-HEALTH",
        ORD,
        "卫生 医疗 家庭医生 体检",
        [
            ("家庭医生签约咨询", "老人想签家庭医生，不知道找谁。"),
            ("卫生服务站药品不全", "社区卫生服务站常用的降压药经常缺货，老人只能去大医院开药。"),
            ("老人免费体检预约", "六十五岁以上老人免费体检怎么预约，社区卫生站没有通知。"),
            ("疫苗接种时间咨询", "孩子该打疫苗了，想知道社区卫生服务中心的接种时间。"),
        ],
    ),
    (
        "交通运输",
        "道路交通",
        "停车与道路",
        "D-TRANSPORT",
        ORD,
        "停车 车位 道路 坑洼 公交",
        [
            ("小区门口道路坑洼", "门口路面坑洼积水，老人容易摔倒。"),
            ("共享单车堵门", "大量共享单车堆在楼门口，出入不便。"),
            ("附近没有公交站", "小区附近没有公交站，老人坐公交要走二十分钟。"),
            ("学校路口缺少红绿灯", "学校门口的路口没有红绿灯，接送孩子的车辆很乱，交通不安全。"),
            ("停车位不够道路乱停车", "小区停车位太少，车辆停在道路两边，救护车都进不来。"),
        ],
    ),
    (
        "民政",
        "养老服务",
        "居家养老",
        "D-CIVIL",
        ORD,
        "养老 助餐 独居 老人",
        [
            ("独居老人需要助餐", "八十多岁独居老人做饭困难，希望有助餐服务。"),
            ("独居老人无人照看", "楼里有位独居老人行动不便，子女不在身边，希望社区定期探望。"),
            ("低保申请咨询", "家里老人生病失去收入，想申请低保，不知道需要哪些材料。"),
            ("养老驿站助餐涨价", "社区养老驿站的助餐价格上涨，老人负担重。"),
        ],
    ),
]


# The department that takes a first-level category's cases when no more precise category is
# known (a case the router files under the first-level category itself).
TOP_DEPARTMENTS = {
    "城乡建设": "D-HOUSING",
    "劳动和社会保障": "D-HRSS",
    "教育文体": "D-EDU",
    "商贸旅游": "D-MARKET",
    "环境保护": "D-ENV",
    "卫生计生": "D-HEALTH",
    "交通运输": "D-TRANSPORT",
    "民政": "D-CIVIL",
}


REPORTERS = [
    "刘阿姨",
    "马大爷",
    "高女士",
    "林先生",
    "何阿姨",
    "郭师傅",
    "罗女士",
    "梁大爷",
    "宋先生",
    "唐阿姨",
    "许女士",
    "韩大爷",
    "冯先生",
    "邓阿姨",
    "曹师傅",
    "",
]


REPLIES = [
    "已安排维修人员上门处理完毕，并向居民说明情况。",
    "已协调相关单位现场处置，问题已解决。",
    "已更换损坏部件并测试正常。",
    "已与居民当面沟通，按政策办理完毕。",
]


# New reports of this evening, after the router has learnt from the demo's history: each
# (minutes ago, channel, building, title, description, reporter). Some are routed on the
# spot, some wait in triage with three suggestions; two in 华荫南里 repeat each other.
INTAKE: list[tuple[int, str, str, str, str, str]] = [
    (
        95,
        "phone",
        "HYNL-G1-B03",
        "单元门关不上",
        "楼门老化变形，晚上关不严，外人随意进出。",
        "马大爷",
    ),
    (
        80,
        "web",
        "MYXL-G1-B02",
        "饭店油烟扰民",
        "临街饭店排烟口正对居民窗户，晚上油烟很大。",
        "高女士",
    ),
    (70, "wechat", "HYNL-G2-B04", "小区门口道路坑洼", "门口路面坑洼积水，老人容易摔倒。", "林先生"),
    (
        55,
        "web",
        "HYNL-G2-B06",
        "华荫南里6号楼前路灯不亮",
        "楼前的路灯坏了一个多星期，晚上回家黑乎乎的，希望尽快修好。",
        "何阿姨",
    ),
    (
        40,
        "phone",
        "HYNL-G2-B07",
        "楼前路灯坏了没人修",
        "华荫南里6号、7号楼之间的路灯不亮一个多星期了，晚上出门不安全。",
        "郭师傅",
    ),
    (
        30,
        "api",
        "XJL-G1-B02",
        "流浪猫太多晚上叫",
        "小区里流浪猫越来越多，夜里叫声不断，有居民担心卫生问题。",
        "罗女士",
    ),
    (
        20,
        "web",
        "HYNL-G1-B08",
        "希望增加便民服务点",
        "附近没有修鞋配钥匙的地方，老人办点小事要走很远。",
        "梁大爷",
    ),
    (
        10,
        "phone",
        "HYNL-G1-B05",
        "楼道有燃气味",
        "傍晚楼道里闻到明显的燃气味，居民很担心。",
        "宋先生",
    ),
]
