/** Reference tables the demo bank draws from: names, places, industries. Plain data, no logic. */

export type District = { code: string; name: string; nameEn: string; postcode: string; streets: readonly string[] };

export type City = {
  key: 'BJ' | 'SH' | 'GZ' | 'HZ' | 'CD';
  province: string;
  name: string;
  short: string;
  nameEn: string;
  areaCode: string;
  /** Share of the bank's customers served by this city's branch. */
  weight: number;
  /** The districts our sub-branches sit in (real GB/T 2260 codes). */
  districts: readonly District[];
  /** Further districts of the city: a local's hukou may be in any of them. */
  otherDistricts: readonly string[];
  /** Where the city's migrants mostly come from (district/county codes). */
  hinterland: readonly string[];
};

export const CITIES: readonly City[] = [
  {
    key: 'BJ', province: '北京市', name: '北京市', short: '北京', nameEn: 'Beijing', areaCode: '010', weight: 25,
    districts: [
      { code: '110101', name: '东城区', nameEn: 'Dongcheng', postcode: '100010', streets: ['东长安街', '王府井大街', '东直门内大街'] },
      { code: '110102', name: '西城区', nameEn: 'Xicheng', postcode: '100032', streets: ['金融大街', '西单北大街', '阜成门内大街'] },
      { code: '110105', name: '朝阳区', nameEn: 'Chaoyang', postcode: '100020', streets: ['建国路', '朝阳北路', '望京街'] },
      { code: '110108', name: '海淀区', nameEn: 'Haidian', postcode: '100080', streets: ['中关村大街', '学院路', '知春路'] },
    ],
    otherDistricts: ['110106', '110107', '110111', '110112', '110114'],
    hinterland: ['130102', '130602', '370102', '410102', '210102', '230102', '120101'],
  },
  {
    key: 'SH', province: '上海市', name: '上海市', short: '上海', nameEn: 'Shanghai', areaCode: '021', weight: 25,
    districts: [
      { code: '310101', name: '黄浦区', nameEn: 'Huangpu', postcode: '200001', streets: ['南京东路', '淮海中路', '西藏中路'] },
      { code: '310104', name: '徐汇区', nameEn: 'Xuhui', postcode: '200030', streets: ['漕溪北路', '肇嘉浜路', '衡山路'] },
      { code: '310106', name: '静安区', nameEn: "Jing'an", postcode: '200040', streets: ['南京西路', '延安中路', '共和新路'] },
      { code: '310115', name: '浦东新区', nameEn: 'Pudong', postcode: '200120', streets: ['世纪大道', '陆家嘴环路', '张杨路'] },
    ],
    otherDistricts: ['310105', '310107', '310110', '310112', '310113'],
    hinterland: ['320583', '321002', '320102', '340102', '330203', '370202'],
  },
  {
    key: 'GZ', province: '广东省', name: '广州市', short: '广州', nameEn: 'Guangzhou', areaCode: '020', weight: 20,
    districts: [
      { code: '440104', name: '越秀区', nameEn: 'Yuexiu', postcode: '510030', streets: ['中山五路', '环市东路', '东风中路'] },
      { code: '440105', name: '海珠区', nameEn: 'Haizhu', postcode: '510220', streets: ['新港中路', '江南大道中', '工业大道'] },
      { code: '440106', name: '天河区', nameEn: 'Tianhe', postcode: '510620', streets: ['天河路', '花城大道', '体育西路'] },
      { code: '440111', name: '白云区', nameEn: 'Baiyun', postcode: '510405', streets: ['白云大道北', '机场路', '同和路'] },
    ],
    otherDistricts: ['440103', '440112', '440113', '440114'],
    hinterland: ['441302', '440303', '430102', '450102', '360102'],
  },
  {
    key: 'HZ', province: '浙江省', name: '杭州市', short: '杭州', nameEn: 'Hangzhou', areaCode: '0571', weight: 15,
    districts: [
      { code: '330102', name: '上城区', nameEn: 'Shangcheng', postcode: '310002', streets: ['解放路', '望江路', '清泰街'] },
      { code: '330105', name: '拱墅区', nameEn: 'Gongshu', postcode: '310005', streets: ['湖墅南路', '莫干山路', '上塘路'] },
      { code: '330106', name: '西湖区', nameEn: 'Xihu', postcode: '310012', streets: ['文三路', '天目山路', '曙光路'] },
      { code: '330108', name: '滨江区', nameEn: 'Binjiang', postcode: '310051', streets: ['江南大道', '滨盛路', '网商路'] },
    ],
    otherDistricts: ['330109', '330110'],
    hinterland: ['330302', '330203', '340102', '360102', '320102'],
  },
  {
    key: 'CD', province: '四川省', name: '成都市', short: '成都', nameEn: 'Chengdu', areaCode: '028', weight: 15,
    districts: [
      { code: '510104', name: '锦江区', nameEn: 'Jinjiang', postcode: '610021', streets: ['春熙路', '红星路', '东大街'] },
      { code: '510105', name: '青羊区', nameEn: 'Qingyang', postcode: '610031', streets: ['人民中路', '蜀都大道', '清江中路'] },
      { code: '510107', name: '武侯区', nameEn: 'Wuhou', postcode: '610041', streets: ['人民南路', '科华北路', '武侯祠大街'] },
      { code: '510108', name: '成华区', nameEn: 'Chenghua', postcode: '610051', streets: ['建设路', '二环路东二段', '府青路'] },
    ],
    otherDistricts: ['510106', '510112', '510113'],
    hinterland: ['511302', '510603', '500103', '520102', '530102'],
  },
];

/** Hukou regions anywhere in the country, for customers far from home. */
export const NATIONAL_REGIONS: readonly string[] = [
  '120101', '130102', '140105', '210102', '220102', '230102', '320102', '320106', '330302', '340102', '350102',
  '360102', '370102', '370202', '410102', '411302', '420102', '430102', '450102', '500103', '510603', '520102',
  '530102', '610102',
];

/** Surnames with their approximate share (per mille) of the population. */
export const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 71], ['李', 70], ['张', 64], ['刘', 54], ['陈', 46], ['杨', 31], ['赵', 23], ['黄', 22], ['周', 21], ['吴', 20],
  ['徐', 17], ['孙', 15], ['胡', 13], ['朱', 13], ['高', 13], ['林', 12], ['何', 12], ['郭', 12], ['马', 11], ['罗', 9],
  ['梁', 8.7], ['宋', 8.3], ['郑', 8], ['谢', 7.4], ['韩', 7], ['唐', 7], ['冯', 6.8], ['于', 6.4], ['董', 6], ['肖', 5.9],
  ['程', 5.8], ['曹', 5.7], ['袁', 5.5], ['邓', 5.4], ['许', 5.3], ['傅', 5], ['沈', 4.9], ['曾', 4.8], ['彭', 4.7], ['吕', 4.6],
  ['苏', 4.5], ['卢', 4.4], ['蒋', 4.3], ['蔡', 4.2], ['贾', 4.1], ['丁', 4], ['魏', 3.9], ['薛', 3.8], ['叶', 3.7], ['闫', 3.6],
  ['余', 3.5], ['潘', 3.4], ['杜', 3.3], ['戴', 3.2], ['夏', 3.1], ['钟', 3], ['汪', 2.9], ['田', 2.8], ['任', 2.7], ['姜', 2.6],
  ['范', 2.5], ['方', 2.4], ['石', 2.3], ['姚', 2.2], ['谭', 2.1], ['廖', 2], ['邹', 1.9], ['熊', 1.8], ['金', 1.7], ['陆', 1.6],
  ['郝', 1.5], ['孔', 1.4], ['白', 1.3], ['崔', 1.2], ['康', 1.1], ['毛', 1], ['邱', 1], ['秦', 1], ['江', 1], ['史', 0.9],
  ['顾', 0.9], ['侯', 0.9], ['邵', 0.9], ['孟', 0.8], ['龙', 0.8], ['万', 0.8], ['段', 0.8], ['雷', 0.7], ['钱', 0.7], ['汤', 0.7],
  ['尹', 0.7], ['黎', 0.6], ['易', 0.6], ['常', 0.6], ['武', 0.6], ['乔', 0.6], ['贺', 0.6], ['赖', 0.6], ['龚', 0.6], ['文', 0.5],
  ['单', 0.3], ['欧阳', 0.2], ['上官', 0.05], ['司马', 0.05], ['诸葛', 0.05],
];

/** Characters common in given names, by gender. */
export const GIVEN_MALE = '伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳建志国东文博晨亮峰成海晓天宏振嘉逸昊泽睿轩毅锋翔鸿峻家然晖荣永德';
export const GIVEN_FEMALE = '芳娜敏静丽艳娟霞燕玲婷雪琳慧颖洁倩晶欣怡佳悦萍红梅兰琴英莉蕾璐薇茜妍涵萱诗雨思梦瑶婉露月春秀桂凤珍淑宁丹';

/** Whole given names typical of a birth decade (1940 … 2000), by gender. */
export const ERA_NAMES: Readonly<Record<number, { M: readonly string[]; F: readonly string[] }>> = {
  1940: { M: ['建国', '国庆', '德明', '振华', '福生', '长林'], F: ['秀英', '桂兰', '淑珍', '玉兰', '凤英', '秀珍'] },
  1950: { M: ['建华', '国强', '卫东', '跃进', '建军', '志强'], F: ['秀兰', '桂英', '玉梅', '淑华', '秀云', '红英'] },
  1960: { M: ['卫国', '建平', '志刚', '文革', '向东', '永红'], F: ['红梅', '丽华', '春燕', '建英', '红霞', '小红'] },
  1970: { M: ['志勇', '海涛', '建新', '立新', '晓东', '国华'], F: ['丽娟', '海燕', '晓红', '艳萍', '雪梅', '丽萍'] },
  1980: { M: ['伟', '磊', '勇', '涛', '鹏', '超'], F: ['静', '丽', '娜', '敏', '艳', '婷'] },
  1990: { M: ['浩', '宇', '杰', '俊杰', '子豪', '天宇'], F: ['欣怡', '佳琪', '雨婷', '梦瑶', '思雨', '雪'] },
  2000: { M: ['浩宇', '子轩', '宇轩', '梓豪', '一鸣', '俊熙'], F: ['梓涵', '子萱', '欣妍', '诗涵', '雨桐', '一诺'] },
};

/** Birth decades of the bank's personal customers (born 1940–2005), relative weights. */
export const BIRTH_DECADES: readonly (readonly [number, number])[] = [
  [1940, 5], [1950, 10], [1960, 18], [1970, 20], [1980, 22], [1990, 18], [2000, 7],
];

export const OCCUPATIONS: readonly (readonly [string, number])[] = [
  ['企业职员', 30], ['专业技术人员', 10], ['教师', 5], ['医生', 3], ['公务员', 4], ['个体经营者', 7], ['销售人员', 6],
  ['工人', 8], ['自由职业', 5], ['律师', 1], ['会计', 3], ['学生', 3], ['退休', 12], ['企业主', 3],
];

/** GB/T 4754-2017 sections, their share of corporate customers and the words company names use. */
export const INDUSTRIES: readonly { section: string; weight: number; en: string; words: readonly string[] }[] = [
  { section: 'A', weight: 2, en: 'Agriculture', words: ['农业发展', '生态农业', '种业', '畜牧', '水产'] },
  { section: 'C', weight: 22, en: 'Manufacturing', words: ['机械制造', '电子', '新材料', '精密机械', '汽车零部件', '服装', '食品', '医疗器械', '化工', '家具', '塑胶制品'] },
  { section: 'D', weight: 1.5, en: 'Energy', words: ['能源', '新能源', '燃气'] },
  { section: 'E', weight: 8, en: 'Construction', words: ['建设工程', '建筑工程', '装饰工程', '市政工程'] },
  { section: 'F', weight: 20, en: 'Trading', words: ['贸易', '商贸', '进出口', '百货', '医药连锁', '电器'] },
  { section: 'G', weight: 5, en: 'Logistics', words: ['物流', '运输', '供应链管理', '货运代理'] },
  { section: 'H', weight: 5, en: 'Hospitality', words: ['餐饮管理', '酒店管理', '餐饮'] },
  { section: 'I', weight: 10, en: 'Technology', words: ['科技', '信息技术', '网络科技', '软件', '数据科技', '智能科技'] },
  { section: 'K', weight: 5, en: 'Real Estate', words: ['房地产开发', '置业', '物业管理'] },
  { section: 'L', weight: 8, en: 'Business Services', words: ['企业管理咨询', '商务咨询', '人力资源', '广告'] },
  { section: 'M', weight: 5, en: 'Research', words: ['检测技术', '工程设计', '生物科技', '环保科技'] },
  { section: 'N', weight: 1.5, en: 'Environment', words: ['环境工程', '园林绿化'] },
  { section: 'O', weight: 2, en: 'Services', words: ['家政服务', '汽车维修'] },
  { section: 'P', weight: 1.5, en: 'Education', words: ['教育科技', '培训'] },
  { section: 'Q', weight: 1.5, en: 'Health', words: ['医疗管理', '健康管理'] },
  { section: 'R', weight: 2, en: 'Media', words: ['文化传媒', '影视', '体育发展'] },
];

/** Two-character trade names (字号) are built from one of each; none is a well-known brand. */
export const BRAND_FIRST = '华恒鼎瑞金宏永新天博嘉盛安星远精弘明云卓锦广利东德信泰润隆丰';
export const BRAND_SECOND = '信通盛丰穗远泰元成科达和辰航诚毅德帆越程源民方晟汇鑫荣宇澜峰';

export const GOVERNMENT_BODIES: readonly string[] = [
  '教育局', '财政局', '卫生健康委员会', '住房和城乡建设局', '人力资源和社会保障局', '市场监督管理局', '交通运输局',
  '民政局', '文化和旅游局', '生态环境局', '规划和自然资源局', '水务局', '商务局', '科学技术局',
];

export const PUBLIC_INSTITUTIONS: readonly ((city: string, district: string, n: number) => string)[] = [
  (c, _d, n) => `${c}第${n}人民医院`,
  (c, d, n) => `${c}${d}第${n}中学`,
  (c, d, n) => `${c}${d}实验小学第${n}分校`,
  (c, d) => `${c}${d}疾病预防控制中心`,
  (c, d) => `${c}${d}图书馆`,
  (c, d, n) => `${c}${d}第${n}幼儿园`,
  (c, _d, n) => `${c}第${n}职业技术学校`,
];

export const BANK_NAMES: readonly ((city: string, brand: string) => string)[] = [
  (c) => `${c}农村商业银行股份有限公司`,
  (c, b) => `${c}${b}村镇银行股份有限公司`,
  (_c, b) => `${b}银行股份有限公司`,
];

export const NONBANK_NAMES: readonly ((city: string, brand: string) => string)[] = [
  (_c, b) => `${b}证券股份有限公司`,
  (_c, b) => `${b}基金管理有限公司`,
  (c, b) => `${c}${b}信托有限责任公司`,
  (_c, b) => `${b}人寿保险股份有限公司`,
  (c, b) => `${c}${b}融资租赁有限公司`,
  (_c, b) => `${b}消费金融有限公司`,
];

export const MOBILE_PREFIXES: readonly (readonly [string, number])[] = [
  ['130', 4], ['131', 4], ['132', 4], ['133', 3], ['134', 3], ['135', 6], ['136', 6], ['137', 6], ['138', 8], ['139', 8],
  ['147', 1], ['150', 4], ['151', 4], ['152', 3], ['153', 2], ['155', 2], ['156', 3], ['157', 2], ['158', 4], ['159', 4],
  ['166', 1], ['173', 1], ['175', 1], ['176', 1], ['177', 1], ['180', 2], ['181', 2], ['182', 3], ['183', 2], ['185', 3],
  ['186', 3], ['187', 3], ['188', 3], ['189', 3], ['191', 1], ['195', 1], ['198', 2], ['199', 2],
];

export const EMAIL_DOMAINS: readonly (readonly [string, number])[] = [
  ['qq.com', 40], ['163.com', 25], ['126.com', 10], ['sina.com', 5], ['foxmail.com', 5], ['outlook.com', 5], ['gmail.com', 4],
  ['139.com', 6],
];

export const RESIDENTIAL_WORDS: readonly string[] = ['花园', '家园', '小区', '公寓', '新村', '苑', '华庭', '雅居'];

/** Foreign nationals (non-resident customers) and their passport-style names. */
export const FOREIGN_NATIONALS: readonly { country: string; given: readonly string[]; family: readonly string[] }[] = [
  { country: 'US', given: ['JOHN', 'MICHAEL', 'EMILY', 'SARAH', 'DAVID'], family: ['SMITH', 'JOHNSON', 'BROWN', 'MILLER'] },
  { country: 'GB', given: ['OLIVER', 'JAMES', 'CHARLOTTE', 'AMELIA'], family: ['TAYLOR', 'WILSON', 'EVANS', 'WALKER'] },
  { country: 'DE', given: ['LUKAS', 'FELIX', 'ANNA', 'LENA'], family: ['MULLER', 'SCHMIDT', 'WEBER', 'WAGNER'] },
  { country: 'JP', given: ['HIROSHI', 'TAKESHI', 'YUKI', 'AKIKO'], family: ['SATO', 'SUZUKI', 'TANAKA', 'WATANABE'] },
  { country: 'KR', given: ['MINJUN', 'SEOYEON', 'JIHO', 'HAEUN'], family: ['KIM', 'LEE', 'PARK', 'CHOI'] },
  { country: 'SG', given: ['WEI MING', 'HUI LING', 'JUN JIE'], family: ['TAN', 'LIM', 'NG', 'ONG'] },
];
