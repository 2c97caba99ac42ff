"""The glossary: each term of the platform in Chinese and English, what it means here, and the
standard, regulation or method it comes from (linked from every form's in-page help).

The definitions paraphrase the cited documents in the platform's own words; the documents are
cited by number and title (facts), not quoted.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GLOSSARY", "Term"]


@dataclass(frozen=True, slots=True)
class Term:
    key: str
    name_zh: str
    name_en: str
    text_zh: str
    text_en: str
    #: the standard, regulation or method the term comes from
    source: str


GLOSSARY: tuple[Term, ...] = (
    Term("tce", "吨标准煤（tce）", "tonne of coal equivalent (tce)",
         "能源的统一计量单位：低位发热量 29 307 千焦（7 000 千卡）的能源为 1 千克标准煤；各种能源按折标准煤系数折算后相加。",
         "The common unit of energy: 1 kgce is energy with a net calorific value of 29 307 kJ (7 000 kcal); every "
         "carrier is converted with its standard-coal coefficient before energy is added up.",
         "GB/T 2589-2020《综合能耗计算通则》"),
    Term("comprehensive_energy", "综合能耗", "comprehensive energy consumption",
         "用能单位在统计期内实际消耗的各种能源折标准煤后的总和，扣除向外输出的能源；单位产品综合能耗为其与合格产品产量之比。",
         "All energy an energy-using unit consumed in the period, in coal equivalent, less the energy it supplied "
         "outside; per unit of product it is divided by the output of conforming product.",
         "GB/T 2589-2020《综合能耗计算通则》"),
    Term("equivalent_value", "当量值", "equivalent (calorific) value",
         "按能源本身所含热量折算标准煤，例如电力按 0.1229 千克标准煤/千瓦时。",
         "Energy converted by its own heat content, e.g. electricity at 0.1229 kgce/kWh.",
         "GB/T 2589-2020《综合能耗计算通则》附录A"),
    Term("equal_value", "等价值", "equal value (primary-energy basis)",
         "生产单位二次能源或耗能工质实际消耗的一次能源量折算的标准煤，例如电力按火电供电标准煤耗折算。",
         "The primary energy used to produce one unit of a secondary energy or working medium, in coal "
         "equivalent, e.g. electricity at the supply coal consumption of thermal power.",
         "GB/T 2589-2020《综合能耗计算通则》；中国电力企业联合会 火电供电标准煤耗"),
    Term("tco2e", "吨二氧化碳当量（tCO2e）", "tonne of CO2 equivalent (tCO2e)",
         "各种温室气体按全球增温潜势（GWP）折算为二氧化碳后的质量。",
         "The mass of greenhouse gases expressed as carbon dioxide through their global warming potentials (GWP).",
         "GB/T 32150-2015《工业企业温室气体排放核算和报告通则》"),
    Term("scope1", "范围一（直接排放）", "scope 1 (direct emissions)",
         "企业边界内燃料燃烧和工业生产过程产生的温室气体排放。",
         "Greenhouse gases emitted inside the enterprise's boundary by fuel combustion and industrial processes.",
         "GB/T 32150-2015；GB/T 32151 系列；ISO 14064-1:2018 类别1"),
    Term("scope2", "范围二（外购能源间接排放）", "scope 2 (indirect emissions of purchased energy)",
         "企业外购电力和热力在其生产过程中产生的排放，按电网或热力排放因子计算。",
         "Emissions of producing the electricity and heat the enterprise purchases, computed with grid and heat "
         "emission factors.",
         "GB/T 32150-2015；ISO 14064-1:2018 类别2"),
    Term("emission_factor", "排放因子", "emission factor",
         "单位活动数据的温室气体排放量，例如每千瓦时电力或每太焦燃料热值的二氧化碳排放。",
         "Greenhouse gas emitted per unit of activity data, e.g. CO2 per kWh of electricity or per TJ of fuel heat.",
         "GB/T 32150-2015；生态环境部、国家统计局 电力二氧化碳排放因子公告"),
    Term("benchmark_level", "标杆水平", "benchmark level",
         "重点领域单位产品能耗的先进值：达到即为能效标杆。",
         "The advanced level of energy per unit of product in a key sector: reaching it makes a plant a benchmark.",
         "发改产业〔2021〕1609号、发改产业〔2023〕723号《高耗能行业重点领域能效标杆水平和基准水平》"),
    Term("baseline_level", "基准水平", "baseline level",
         "重点领域单位产品能耗的底线：低于基准水平（能耗高于该值）的产能须限期改造升级或淘汰。",
         "The floor of energy per unit of product: capacity below it (using more) must be upgraded by a deadline "
         "or retired.",
         "发改产业〔2021〕1609号、发改产业〔2023〕723号"),
    Term("quota", "能耗限额（1级、2级、3级）", "energy consumption quota (grades 1, 2, 3)",
         "单位产品能源消耗限额国家标准的三个等级：1级最先进，3级为现有企业必须达到的限定值。",
         "The three grades of the national standards on energy per unit of product: grade 1 is the most advanced, "
         "grade 3 the limit every existing plant must meet.",
         "GB 21256-2025、GB 16780-2021、GB 21340-2019 等单位产品能源消耗限额标准"),
    Term("equipment_minimum", "能效限定值与能效等级", "minimum allowable efficiency and efficiency grades",
         "电动机、变压器、空压机、水泵、风机、工业锅炉等设备的最低能效要求及分级；低于限定值的设备应更换。",
         "The lowest efficiency allowed for motors, transformers, compressors, pumps, fans and boilers, and their "
         "grades; equipment below the minimum should be replaced.",
         "GB 18613-2020、GB 20052-2020、GB 19153-2019、GB 19762-2025、GB 19761-2020、GB 24500-2020"),
    Term("metering", "能源计量器具配备率", "equipping rate of energy meters",
         "应配备的能源计量器具中实际配备的比例，分进出用能单位、次级用能单位和主要用能设备三级。",
         "The share of the required energy meters actually installed, at the boundary of the unit, its secondary "
         "units and its main equipment.",
         "GB 17167-2006《用能单位能源计量器具配备和管理通则》"),
    Term("baseline", "能耗基线（能源基准）", "energy baseline",
         "用作比较能源绩效的参照：基准期内能耗与产量、度日数等相关变量的统计模型。",
         "The reference for comparing energy performance: a statistical model of energy against relevant variables "
         "(output, degree days) over a baseline period.",
         "ISO 50006:2014；GB/T 36713-2018《能源管理体系 能源基准和能源绩效参数》；CalTRACK 2.0"),
    Term("mv", "测量与验证（M&V）", "measurement and verification (M&V)",
         "用基线模型推算报告期“若无节能措施”的能耗，与实测能耗之差即为节能量，并给出其不确定度。",
         "Savings are the energy the baseline model predicts for the reporting period without the measures, less "
         "the energy measured, with their uncertainty.",
         "IPMVP（EVO）；GB/T 28750-2012《节能量测量和验证技术通则》；ASHRAE Guideline 14-2014"),
    Term("cv_rmse", "均方根误差变异系数 CV(RMSE)", "coefficient of variation of the RMSE, CV(RMSE)",
         "基线模型误差的相对大小：残差均方根除以能耗均值。本平台逐日数据要求不大于 30%。",
         "The relative size of a baseline model's error: the root-mean-square residual over the mean energy; the "
         "platform holds daily data to at most 30 %.",
         "ASHRAE Guideline 14-2014 §4.3.2.4"),
    Term("nmbe", "归一化平均偏差 NMBE", "normalised mean bias error, NMBE",
         "基线模型的系统偏差：残差之和除以能耗均值与自由度之积。本平台逐日数据要求绝对值不大于 10%。",
         "The systematic bias of a baseline model: the sum of residuals over the mean energy and the degrees of "
         "freedom; the platform holds daily data to at most 10 % either way.",
         "ASHRAE Guideline 14-2014 §4.3.2.4"),
    Term("green_factory", "绿色工厂", "green factory",
         "实现用地集约化、原料无害化、生产洁净化、废物资源化、能源低碳化的工厂；企业自评价、第三方评价后按名单程序申报。",
         "A factory using land intensively, harmless materials, clean production, waste as a resource and "
         "low-carbon energy; it evaluates itself, is evaluated by a third party and applies for the list.",
         "GB/T 36132-2025《绿色工厂评价通则》；工业和信息化部 绿色制造名单"),
    Term("green_list", "绿色制造名单", "green manufacturing list",
         "工业和信息化部发布的绿色工厂、绿色工业园区、绿色供应链管理企业名单：企业申报、第三方评价、地方推荐、公示发布、动态管理。",
         "The list of green factories, parks and supply-chain enterprises the MIIT publishes: application, "
         "third-party evaluation, local recommendation, publication and yearly re-checks.",
         "《绿色工厂梯度培育及管理暂行办法》（工信部节〔2024〕13号）；工信厅节函〔2023〕202号"),
    Term("capacity_replacement", "产能置换", "capacity replacement",
         "新建钢铁、水泥熟料、平板玻璃、电解铝等项目须退出一定比例的已有产能；重点区域比例更高。",
         "New steel, cement clinker, flat glass or aluminium capacity must retire existing capacity at a set "
         "ratio, higher in the key air-pollution regions.",
         "工信部原〔2021〕46号《钢铁行业产能置换实施办法》；工信部原〔2021〕80号《水泥玻璃行业产能置换实施办法》"),
    Term("verification", "核实状态", "verification status",
         "参考数据每个数值的来源可信程度：已核验、定义值、已交叉核对、二手来源、存疑、凭记忆取值等；未核验的数值在结果中提示。",
         "How far each reference value was checked against its source: verified, definitional, cross-checked, "
         "secondary source, uncertain, recalled; results warn of unverified values.",
         "greenmfg 参考数据说明（refdata/README.md）"),
)
