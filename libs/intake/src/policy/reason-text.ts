import { REASON_CODES, ReasonCode, reasonGroupOf } from '@returns/contracts';

/**
 * What a customer's free-text reason says: the reason code it points to, `VAGUE` when it
 * says nothing about the item ("不想要了", "meh"), `UNKNOWN` when it is empty or nothing
 * in it is recognised.
 */
export type ReasonTextLabel = ReasonCode | 'VAGUE' | 'UNKNOWN';

/** The labels a pattern can vote for. */
export type ReasonPatternLabel = ReasonCode | 'VAGUE';

/** Every label a pattern can suggest: the reason codes but OTHER (no text means "other"), and VAGUE. */
export const PATTERN_LABELS: readonly ReasonPatternLabel[] = [...REASON_CODES.filter((c) => c !== 'OTHER'), 'VAGUE'];

export interface ReasonClassification {
  label: ReasonTextLabel;
  /**
   * 0..1: how clearly the text points to `label` — the winner's share of all the
   * evidence, damped when the evidence is thin. 0 for `UNKNOWN`.
   */
  confidence: number;
  /** The words that support `label`, as the customer wrote them (`a+b` for a combination). */
  matched: string[];
  /** Summed pattern weights per label that scored anything. */
  scores: Partial<Record<ReasonPatternLabel, number>>;
}

export type ReasonTextVerdict = 'CLEAR' | 'VAGUE' | 'CONTRADICTS';

export interface ReasonTextScreening {
  verdict: ReasonTextVerdict;
  /** What the classifier read in the text. */
  label: ReasonTextLabel;
  /** The classifier's confidence in `label`, 0..1. */
  confidence: number;
  /** The reason the text points to, when it points to one. */
  suggested?: ReasonCode;
  /** The words that decided it, comma-separated. */
  matched?: string;
}

export interface ReasonPattern {
  /** The reason the text points to; `VAGUE` for texts that give no reason at all. */
  suggests: ReasonPatternLabel;
  /** Every pattern must occur, not negated, in the normalised text (lower-case, simplified script). */
  allOf: readonly RegExp[];
  /** How much one occurrence counts towards `suggests`; each row counts once per text. */
  weight: number;
  /**
   * A neutral topic word (质量, colour, size): it also stops counting when what follows
   * says the topic is fine ("质量没问题", "size is fine").
   */
  topic?: boolean;
}

// ---------------------------------------------------------------------------
// Normalisation: full-width to half-width (NFKC), lower case, straight quotes,
// traditional to simplified script, collapsed whitespace and stretched letters
// ("sooo"). Done code point by code point so that every normalised character
// remembers where it came from and matches can be quoted as typed.

/**
 * Traditional → simplified, one character to one, for the common characters of
 * shopping and after-sales talk (about 900; not a full converter, which would be a
 * dependency). Pairs of (traditional, simplified).
 */
const T2S_PAIRS =
  '語语 話话 說说 請请 讓让 認认 識识 讀读 記记 許许 設设 訂订 計计 評评 論论 該该 詳详 誤误 諾诺 謝谢 講讲 證证 試试 詢询 ' +
  '調调 談谈 誰谁 課课 議议 譯译 護护 變变 訊讯 訴诉 詐诈 誠诚 諒谅 謊谎 誇夸 謂谓 註注 詞词 誌志 譜谱 譽誉 讚赞 諮咨 紹绍 ' +
  '導导 據据 範范 構构 豐丰 憑凭 錯错 錢钱 鐘钟 鍾钟 銀银 鐵铁 鋼钢 鋁铝 銅铜 鏈链 鎖锁 鍵键 鏡镜 釘钉 針针 鈕钮 鉤钩 鍋锅 ' +
  '鏽锈 銹锈 鑽钻 鈴铃 錶表 銷销 鑰钥 鋒锋 錄录 鉛铅 鋪铺 鑄铸 錦锦 銳锐 鈍钝 錘锤 鍍镀 線线 綠绿 紅红 結结 給给 經经 絡络 ' +
  '統统 總总 細细 紗纱 絲丝 綿绵 織织 紋纹 縫缝 縮缩 繩绳 緊紧 級级 約约 純纯 紙纸 組组 終终 續续 維维 編编 緣缘 繡绣 綁绑 ' +
  '緞缎 絨绒 繃绷 緻致 纖纤 紐纽 紀纪 開开 關关 間间 問问 閃闪 閒闲 閉闭 門门 悶闷 鬧闹 閱阅 闊阔 貨货 買买 賣卖 費费 貴贵 ' +
  '價价 賠赔 償偿 贈赠 購购 負负 貼贴 質质 賬账 帳账 貿贸 賺赚 資资 賴赖 販贩 財财 責责 貪贪 贊赞 寶宝 貝贝 實实 車车 軟软 ' +
  '輕轻 輸输 運运 轉转 輪轮 較较 載载 輛辆 軌轨 連连 軸轴 遞递 郵邮 達达 遲迟 邊边 這这 過过 還还 選选 適适 遺遗 歸归 馬马 ' +
  '騙骗 驗验 駕驾 驚惊 騎骑 頁页 頭头 顏颜 題题 類类 顯显 順顺 須须 預预 領领 頂顶 顆颗 額额 頻频 願愿 顧顾 項项 頓顿 見见 ' +
  '覺觉 規规 視视 親亲 觀观 覽览 飯饭 飾饰 餅饼 餘余 館馆 餓饿 飲饮 魚鱼 鳥鸟 雞鸡 壞坏 壓压 損损 爛烂 樣样 際际 東东 個个 ' +
  '們们 沒没 裡里 裏里 麼么 會会 時时 後后 裝装 寬宽 長长 鬆松 換换 單单 號号 張张 機机 電电 雙双 腳脚 帶带 點点 髒脏 斷断 ' +
  '劃划 畫画 癟瘪 濕湿 丟丢 齊齐 無无 擇择 為为 當当 臉脸 黃黄 藍蓝 淺浅 嗎吗 兩两 週周 禮礼 標标 籤签 簽签 擠挤 褲裤 條条 ' +
  '隻只 雜杂 異异 網网 傳传 虛虚 員员 殘残 響响 聲声 動动 複复 來来 別别 難难 僅仅 參参 種种 圍围 脫脱 膠胶 燈灯 螢萤 觸触 ' +
  '盤盘 蓋盖 傷伤 汙污 漬渍 舊旧 廢废 臺台 檯台 塊块 書书 殼壳 體体 倉仓 庫库 優优 愛爱 處处 內内 幾几 寫写 著着 聽听 稱称 ' +
  '廣广 數数 襪袜 卻却 雖虽 盡尽 儘尽 並并 係系 繫系 癢痒 辦办 團团 糰团 擔担 憂忧 嚴严 麗丽 鮮鲜 豔艳 艷艳 淨净 乾干 幹干 ' +
  '髮发 發发 襯衬 囉啰 補补 準准 確确 從从 亂乱 廠厂 製制 產产 檔档 擋挡 棄弃 噁恶 惡恶 煩烦 幫帮 專专 業业 態态 氣气 環环 ' +
  '層层 側侧 爍烁 滲渗 潑泼 黴霉 夾夹 醜丑 媽妈 歲岁 兒儿 滿满 摺折 皺皱 彎弯 凍冻 壺壶 膚肤 戲戏 掛挂 筆笔 墊垫 燒烧 圓圆 ' +
  '窩窝 戶户 檢检 癱瘫 剛刚 興兴 奮奋 歷历 勁劲 趕赶 極极 嘆叹 啟启 獨独 屬属 嗚呜 啞哑 墜坠 嚇吓 簡简 報报 減减 擊击 靈灵 ' +
  '現现 學学 習习 鄉乡 熱热 溫温 涼凉 煙烟 災灾 爐炉 廳厅 華华 萬万 億亿 樓楼 場场 夥伙 婦妇 爺爷 妳你 於于 與与 對对 應应 ' +
  '壽寿 筍笋 擺摆 攤摊 揀拣 撿捡 擁拥 擴扩 掃扫 揚扬 撥拨 擰拧 擾扰 攜携 搖摇 搶抢 擬拟 擲掷 攪搅 殺杀 險险 陰阴 陽阳 隊队 ' +
  '階阶 隨随 隱隐 陳陈 鳳凤 龍龙 齒齿 龜龟 麵面 黨党 齣出 韓韩 韻韵 風风 飄飘 飛飞 驅驱 驢驴 鬥斗 衛卫 術术 衝冲 襖袄 蘋苹 ' +
  '葉叶 藥药 蘭兰 蟲虫 蝦虾 蠟蜡 蠶蚕 竊窃 窮穷 築筑 簾帘 籃篮 糧粮 罰罚 羅罗 聖圣 聯联 肅肃 腦脑 膽胆 艙舱 藝艺 虧亏 蝕蚀 ' +
  '覓觅 謎谜 豬猪 貓猫 賓宾 趙赵 躍跃 踐践 蹤踪 軍军 農农 邁迈 鄰邻 醫医 釋释 鑑鉴 鑒鉴 閘闸 隸隶 雲云 靜静 頒颁 顛颠 飽饱 ' +
  '驕骄 鬍胡 鬱郁 魯鲁 鹹咸 鹽盐 麥麦 嶄崭 巖岩 幣币 彈弹 徑径 徵征 憶忆 懷怀 懶懒 戰战 拋抛 挾挟 捨舍 掙挣 採采 揮挥 搗捣 ' +
  '攝摄 敗败 敵敌 斂敛 斬斩 暫暂 曆历 曉晓 朧胧 棟栋 棧栈 槍枪 樁桩 橋桥 櫃柜 權权 歡欢 決决 況况 淚泪 淪沦 渾浑 湯汤 溝沟 ' +
  '滅灭 滯滞 滾滚 漢汉 潔洁 澀涩 濃浓 濾滤 瀏浏 灣湾 烏乌 煉炼 爭争 爾尔 牆墙 狀状 猶犹 獎奖 獲获 玀猡 琺珐 畢毕 痠酸 療疗 ' +
  '癒愈 盜盗 監监 眾众 睏困 矯矫 礙碍 禍祸 禦御 稅税 穩稳 窯窑 競竞 節节 紮扎 緒绪 練练 縣县 繞绕 繼继 罈坛 義义 聞闻 聰聪 ' +
  '職职 脅胁 膩腻 臨临 舉举 艱艰 莊庄 蓮莲 蔥葱 薦荐 薩萨 蘆芦 螞蚂 蠅蝇 訝讶 詭诡 誕诞 誘诱 説说 諧谐 謀谋 謠谣 譏讥 貢贡 ' +
  '貫贯 貶贬 賀贺 賊贼 賦赋 賜赐 賢贤 贏赢 趨趋 跡迹 蹟迹 軀躯 輩辈 輝辉 辭辞 邏逻 鄭郑 釀酿 鈔钞 鉅巨 銜衔 鋸锯 錫锡 鍛锻 ' +
  '鎮镇 闆板 闖闯 陣阵 陸陆 雛雏 離离 顫颤 颱台 飼饲 餵喂 饒饶 駁驳 駛驶 騰腾 驟骤 鮑鲍 鴻鸿 鵝鹅 齡龄 瞭了 祕秘 蓆席 鍊链 ' +
  '疊叠 衊蔑 彙汇 匯汇 噸吨 嚐尝 嘗尝 嘔呕 嘩哗 嚨咙 嚮向 囑嘱 園园 圖图 壩坝 壯壮 奪夺 奬奖 婁娄 孫孙 寧宁 寵宠 寢寝 將将 ' +
  '尋寻 屆届 屍尸 岡冈 島岛 峽峡 嶺岭 廁厕 廈厦 廚厨 廟庙 彥彦 徹彻 慘惨 慣惯 慮虑 慶庆 憐怜 懇恳 懼惧 戀恋 撐撑 攏拢 攔拦 ' +
  '敘叙 斃毙 晉晋 曬晒 樸朴 櫥橱 毀毁 氫氢 滬沪 漲涨 漿浆 潛潜 澤泽 濁浊 濟济 濫滥 瀉泻 瀟潇 灑洒 灘滩 烴烃 煒炜 燙烫 營营 ' +
  '燭烛 牽牵 犧牺 獄狱 獅狮 獵猎 瑣琐 甕瓮 癬癣 盧卢 礦矿 碼码 磚砖 禪禅 穀谷 窪洼 竄窜 竅窍 筧笕 箏筝 籌筹 糾纠 紡纺 紳绅 ' +
  '絕绝 綜综 綫线 緩缓 縱纵 繪绘 纏缠 纜缆 罷罢 羈羁 翹翘 聳耸 臟脏 艦舰 蔣蒋 蕭萧 薑姜 蘇苏 虜虏 蠻蛮 衆众 襲袭 詛诅 詼诙 ' +
  '諷讽 謙谦 譴谴 讒谗 豎竖 貧贫 貳贰 貸贷 賄贿 賭赌 贖赎 躪躏 轎轿 轟轰 遙遥 遜逊 遠远 遷迁 醞酝 醬酱 釣钓 鈣钙 銘铭 鋤锄 ' +
  '錨锚 鍬锹 鏟铲 鐲镯 鑼锣 閩闽 闡阐 隕陨 雋隽 靂雳 鞏巩 韋韦 頸颈 頰颊 顎颚 饞馋 駐驻 騷骚 髏髅 鬢鬓 鯉鲤 鴿鸽 鶴鹤 鷹鹰 ' +
  '齋斋 龐庞';

const T2S: ReadonlyMap<string, string> = new Map(
  T2S_PAIRS.split(/\s+/)
    .filter((pair) => [...pair].length === 2)
    .map((pair) => [...pair] as [string, string])
    .filter(([t, s]) => t !== s),
);

interface NormalizedText {
  text: string;
  /** for each UTF-16 unit of `text`: start and end, in the original, of the character it came from */
  start: number[];
  end: number[];
}

function normalize(raw: string): NormalizedText {
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  let at = 0;
  for (const ch of raw) {
    const from = at;
    at += ch.length;
    let n = ch.normalize('NFKC').toLowerCase().replace(/[\u2018\u2019\u02bc\u00b4`]/g, "'");
    n = [...n].map((c) => T2S.get(c) ?? c).join('');
    if (/^\s+$/.test(n)) {
      if (text === '' || text.endsWith(' ')) continue;
      n = ' ';
    }
    // "sooo smalll" → "soo small": a third identical latin letter in a row adds nothing.
    if (/^[a-z]$/.test(n) && text.endsWith(n + n)) continue;
    for (let k = 0; k < n.length; k++) {
      start.push(from);
      end.push(at);
    }
    text += n;
  }
  while (text.endsWith(' ')) {
    text = text.slice(0, -1);
    start.pop();
    end.pop();
  }
  return { text, start, end };
}

// ---------------------------------------------------------------------------
// Negation. A phrase does not count when a negation governs it: "没有破损",
// "一点都没坏", "不是质量问题", "not broken", "no sign of damage". Only the clause the
// phrase is in is looked at, so "不到两天就坏了" and "没想到这么小" still count
// (the negator has to sit right before the phrase, with at most a short filler).

const CLAUSE_BREAK =
  /[,.!?;:~，。！？；：、…\n]|但是|但|可是|不过|却|就|而且|结果|\b(?:but|just|and|so|though|although|however|because)\b/g;
const ZH_NEGATED = /(?:没有|没|无|未|不是|不会|不算|不|别|并非|非)(?:有|是|会|算|太|很|怎么|什么|任何|一点|发现|出现|见)?\s*$/;
const EN_NEGATOR =
  /^(?:not|no|never|without|nothing|none|nor|hardly|barely|isnt|wasnt|arent|werent|dont|doesnt|didnt|cant|cannot|couldnt|wont|wouldnt|havent|hasnt|hadnt|aint)$|n't$/;
const EN_FILLER =
  /^(?:a|an|the|any|at|all|really|very|too|so|that|even|be|been|being|is|was|are|were|it|its|it's|visibly|actually|remotely|particularly|single|one|of|sign|signs|much|quite|real|obvious|obviously)$/;

/** A topic is fine when what follows says so: "质量没问题", "颜色还行", "size is fine". */
const POST_FINE_ALWAYS = /^\s*(?:都|也|还|倒|是|倒是)?(?:没问题|没毛病|没得说|没差|不错)/;
const POST_NOT_FINE = /不|没|差|偏|太|有点|wrong|off|\bnot\b|n't|\bno\b|bad|weird|odd|strange|terrible|awful|poor|cheap|horrible/;
const POST_FINE =
  /^\s*(?:(?:is|are|was|were|looks?|seems?|feels?|'s)\s+)?(?:都|也|还|倒|是|很|挺|蛮|非常|完全|倒是)?(?:ok|okay|fine|good|great|perfect|right|correct|accurate|spot on|as (?:shown|described|expected|pictured)|还行|还可以|可以|挺好|很好|正常|合适|正好|刚好|一样|一致|准确|对的)/;

function clauseBefore(text: string, index: number): string {
  const before = text.slice(0, index);
  let cut = 0;
  for (const m of before.matchAll(CLAUSE_BREAK)) cut = m.index! + m[0].length;
  return before.slice(cut);
}

function clauseAfter(text: string, index: number): string {
  const after = text.slice(index);
  const m = new RegExp(CLAUSE_BREAK.source).exec(after);
  return m ? after.slice(0, m.index) : after;
}

function isNegated(text: string, index: number): boolean {
  const before = clauseBefore(text, index);
  if (ZH_NEGATED.test(before)) return true;
  const words = before.match(/[a-z']+/g) ?? [];
  // a negator among the last three words, with only fillers between it and the phrase
  for (let k = words.length - 1; k >= Math.max(0, words.length - 3); k--) {
    if (EN_NEGATOR.test(words[k])) return true;
    if (!EN_FILLER.test(words[k])) return false;
  }
  return false;
}

function isSaidFine(text: string, endIndex: number): boolean {
  const after = clauseAfter(text, endIndex).slice(0, 16);
  if (POST_FINE_ALWAYS.test(after)) return true;
  if (POST_NOT_FINE.test(after)) return false;
  return POST_FINE.test(after);
}

// ---------------------------------------------------------------------------
// The pattern table. Written in simplified script and lower case: normalisation
// brings traditional and upper-case text to that form.

/** where shipping happened: a damage word next to these is transit damage */
const SHIPPING =
  /快递|物流|运输|路上|途中|邮寄|配送|寄送|送货|派送|货运|宅配|邮差|包裹|外箱|外包装|包装|箱子|纸箱|盒子|司机|courier|shipping|shipment|transit|delivery|parcel|package|packaging|postman|mailman|carrier|\bbox(?:es)?\b|\bups\b|fedex|\bdhl\b|\busps\b/;
/** the moment of arrival: physical damage found then is transit damage */
const ARRIVAL =
  /收到|到货|到手|拿到|拆开|打开|开箱|签收|送到|到的时候|一到|arriv|\bcame\b|showed up|turned up|when i opened|out of the box|on delivery|upon delivery/;
/** physical damage of the kind a parcel suffers */
const CRUSH =
  /压|扁|扔|瘪|凹|摔|磕|碰坏|撞|碎|裂|烂|漏了|洒了|湿|泡了|泡水|变形|破|crush|smash|shatter|dent|squash|crack|soak|\bwet\b|leak|spill|torn|ripped|bent|broken|damaged|destroyed|ruined|in pieces|thr[eo]wn?|tossed|dropped/;

const COLOR_TOPIC = /颜色|色调|色号|colou?r|\bshade\b|\bhue\b/;
const ZH_COLOR_WORDS =
  /[红黄蓝绿紫黑白灰粉棕橙青褐金银杏驼咖]色|(?:深|浅|淡|亮|暗)[红黄蓝绿紫黑白灰粉棕橙青褐]|米白|米黄|藏青|卡其|酒红|墨绿|偏(?:红|黄|蓝|绿|紫|黑|白|灰|粉|暗|亮|深|浅)|发(?:黄|白|灰)|(?:太|很|好|超)(?:艳|暗|亮|深|浅|淡)|那种粉|[黄白黑红蓝绿灰]的/;
const EN_COLOR_WORDS =
  /\b(?:red|orange|yellow|green|blue|navy|purple|violet|lilac|pink|black|white|gr[ae]y|brown|beige|cream|ivory|tan|khaki|maroon|burgundy|teal|turquoise|olive|gold|silver|nude)\b/;
const ANY_COLOR = new RegExp(
  `色差|${COLOR_TOPIC.source}|${ZH_COLOR_WORDS.source}|${EN_COLOR_WORDS.source}|\\b(?:darker|lighter|brighter|duller|paler)\\b`,
);
/** what the item was supposed to look like: pictures, the listing, a claim */
const REFERENCE =
  /图片|图上|图里|照片|实物|网上|页面|卖家秀|详情|描述|宣传|看到的|说是|写的|标的|明明|picture|photo|\bpics?\b|image|listing|online|website|\bshown\b|advertised|in person|\birl\b|on screen|\bads?\b/;
const NAD_REFERENCE =
  /图片|图上|照片|实物|描述|详情|宣传|网上|页面|介绍|标题|商品页|主图|卖家秀|广告|说明|picture|photo|\bpics?\b|image|description|described|\blist(?:ing|ed)\b|advertis|\bpage\b|website|\bads?\b/;
/** says outright that the item is not what was described */
const NAD_OUTRIGHT =
  /描述不符|(?:与|和|跟)描述不(?:符|一样)|不符合描述|(?:与|和|跟)(?:图片|图|照片|宣传|详情|介绍|标题)不符|货不对板|两回事|不是一回事|天差地别|虚假宣传|仅供参考|买家秀|挂羊头|not as (?:described|pictured|advertised|shown)|nothing like|false advertising|misleading|misrepresent|bait and switch|fake|knock.?off|counterfeit|replica|not genuine|not authentic|假货|仿冒|山寨|高仿|不是正品|以次充好|not what (?:was |it was |they |the (?:listing|page|ad) )?(?:advertised|described|shown|pictured|promised)/;
const DIFFERENT =
  /不一样|不符|不同|不像|差(?:太多|很多|好多|挺多|得远|太远|远了)|差别|区别|相差|different|differs?|nowhere near|not even close|not like the|(?:doesn'?t|does not|don'?t|do not) (?:match|look like)|not the same/;

const p = (suggests: ReasonPatternLabel, weight: number, ...allOf: RegExp[]): ReasonPattern => ({ suggests, weight, allOf });
const topic = (suggests: ReasonPatternLabel, weight: number, re: RegExp): ReasonPattern => ({
  suggests,
  weight,
  allOf: [re],
  topic: true,
});

/**
 * Weighted phrases, Chinese and English. Every row that occurs (not negated) adds its
 * weight to its label once; the label with the highest sum wins. Weights: 4-5 says it
 * outright ("发错", "not as described"), 3 a strong sign, 2-2.5 a sign that other
 * words may outweigh, 1.5 a topic word, 1 "no reason at all" wording that anything
 * specific beats. Combinations (`allOf` with several entries) settle the overlaps:
 * shipping + damage is transit damage, colour + picture is a colour mismatch.
 */
export const REASON_PATTERNS: readonly ReasonPattern[] = [
  // DAMAGED_IN_TRANSIT
  p('DAMAGED_IN_TRANSIT', 4, SHIPPING, CRUSH),
  p('DAMAGED_IN_TRANSIT', 3, ARRIVAL, CRUSH),
  p(
    'DAMAGED_IN_TRANSIT',
    3,
    /压扁|压坏|压碎|压烂|压瘪|压变形|摔坏|摔碎|摔烂|摔裂|磕坏|磕破|磕凹|碎了|碎掉|碎成|粉碎|碎片|暴力|crushed|smashed|shattered|dented|\bdents?\b|squashed|in pieces/,
  ),
  p(
    'DAMAGED_IN_TRANSIT',
    5,
    /(?:damaged|broken|smashed|crushed|cracked|dented) (?:in|during) (?:transit|shipping|shipment|delivery|the post|the mail)|(?:shipping|transit|delivery|courier|postal) damage|arrived (?:damaged|broken|smashed|crushed|cracked|dented|in pieces|wet|soaked|leaking|destroyed|ruined)|damaged (?:on|upon) (?:arrival|delivery)/,
  ),

  // WRONG_ITEM
  p(
    'WRONG_ITEM',
    4,
    /发错|寄错|送错|配错|拿错|装错|错发|错寄|发成|寄成|发了个?别的|漏发|少发|少寄|漏寄|少给|少了(?:一|两|二|三|[0-9])(?:件|个|条|双|只|样|套|盒|包)|缺件|少件|缺(?:了|少)?配件|少了?(?:个|一个|几个)?配件|配件(?:不全|缺失|没有|少了?)|不是我(?:买|下单|订|拍|选)的|(?:跟|和|与)我(?:订|买|拍|下单|选)的(?:东西|商品|款|款式|颜色|型号)?不(?:一样|符|同|一致)|(?:型号|款式|规格|版本|货号)(?:不对|不符|错了)|只(?:收到|到了?|来了|发了|寄了)(?:一|两|二|[0-9])(?:件|个|条|双|只|样|套|盒|包)|(?:跟|与|和)订单不(?:一致|符|一样)|订单不符|(?:出货|发货|配货)(?:错误|有误|错了)|别人的(?:货|快递|东西|包裹|订单)/,
  ),
  p(
    'WRONG_ITEM',
    4,
    /(?:买|拍|订|下单|要|选)的(?:是|明明是).{0,20}(?:收到|寄来|发来|给我|来的|到的|发的|寄的)的?是|(?:买|拍|订|下单|选)的是.{0,20}(?:给我发|发给我|给我寄|寄给我|发来|寄来|收到)/,
  ),
  p(
    'WRONG_ITEM',
    4,
    /wrong (?:item|product|model|thing|one|order|version|parcel|package|book|part|style|variant|edition|pair|design|pattern|goods)|(?:sent|shipped|delivered|gave|mailed) (?:me |us )?(?:the |a )?wrong|(?:received|got) (?:the |a )?wrong|(?:isn'?t|is not|wasn'?t|was not|not) what i (?:ordered|bought|paid for|purchased)|(?:completely|totally|entirely) different (?:item|product|thing)|different (?:item|product) (?:than|from) (?:what )?i ordered|someone else'?s|instead of|(?:isn'?t|is not|not) the (?:\w+ )?(?:size|colou?r|model|one|item|version|style) i (?:ordered|chose|picked|selected|paid for)|(?:got|received|they sent|was sent|came) .{1,40}(?:when|but|and|while|though) i (?:ordered|bought|paid for|asked for)|(?:ordered|bought|paid for) .{1,40}(?:and|but|,) (?:got|received|they sent|was sent|came)/,
  ),
  p('WRONG_ITEM', 3, /\bmissing\b|forg[eo]t|left out|didn'?t (?:send|ship)|didn'?t (?:include|come with)|not included|only (?:got|received)|\b(?:\d+|one|two) of (?:the )?(?:\d+|two|three|four)\b/),

  // COLOR_MISMATCH
  p('COLOR_MISMATCH', 4, /色差/),
  topic('COLOR_MISMATCH', 2, COLOR_TOPIC),
  p('COLOR_MISMATCH', 2, ZH_COLOR_WORDS),
  p('COLOR_MISMATCH', 1.5, EN_COLOR_WORDS),
  p(
    'COLOR_MISMATCH',
    2,
    /\b(?:darker|lighter|brighter|duller|paler)\b|\b(?:more|looks) (?:red|orange|yellow|green|blue|purple|pink|brown|grey|gray|black|white)\b|washed out/,
  ),
  p(
    'COLOR_MISMATCH',
    3,
    /wrong colou?r|colou?r(?:'s| is| was| looks| seems)?(?: \w+)? (?:off|wrong|different|not right)|colou?r mismatch|not the (?:right|same) colou?r|different colou?r|颜色(?:不对|不一样|不符|差)/,
  ),
  p('COLOR_MISMATCH', 3, ANY_COLOR, REFERENCE),
  p('COLOR_MISMATCH', 2, COLOR_TOPIC, DIFFERENT),
  // "颜色与描述不符", "the colour looks nothing like the pictures": the mismatch is the colour
  p('COLOR_MISMATCH', 4, COLOR_TOPIC, NAD_OUTRIGHT),

  // NOT_AS_DESCRIBED
  p('NOT_AS_DESCRIBED', 4, NAD_OUTRIGHT),
  topic('NOT_AS_DESCRIBED', 1.5, NAD_REFERENCE),
  p('NOT_AS_DESCRIBED', 2, DIFFERENT),
  p('NOT_AS_DESCRIBED', 2.5, NAD_REFERENCE, DIFFERENT),
  p('NOT_AS_DESCRIBED', 2.5, NAD_REFERENCE, /实物|实际|真实|in (?:real life|reality|person)|irl|actual(?:ly)?/),
  p(
    'NOT_AS_DESCRIBED',
    2.5,
    /说是|说好的?|写的是?|写着|标的是?|标注|号称|宣称|声称|明明|其实是|实际(?:上)?是|骗人|骗子|忽悠|坑人|(?:listing|description|page|ad|website|seller|label|title|it) (?:says|said|claims?|claimed|states?|stated|promised)|described as|advertised as|supposed to (?:be|have)|claims? to be|was meant to be/,
  ),
  p('NOT_AS_DESCRIBED', 3, /没有?(?:这个|那个|描述的|说的|宣传的|写的)?功能|功能(?:不全|缺失|少了|没有)|(?:feature|function)s? (?:missing|not there)|missing (?:the )?(?:feature|function)/),
  p(
    'NOT_AS_DESCRIBED',
    3,
    /(?:smaller|bigger|larger|thinner|cheaper|flimsier) than (?:it )?(?:looks|looked|pictured|shown|advertised|described|expected|in the (?:pictures?|photos?|pics?|ad|listing))/,
  ),

  // SIZE_FIT
  topic('SIZE_FIT', 1.5, /尺码|尺寸|码数|码子|尺吗|大小|\bsize|\bsizing\b/),
  p(
    'SIZE_FIT',
    3,
    /(?<![差距别异色太偏有些稍略好超很])(?:太|偏|有点|有些|稍|略|好|超|很)?[小大]了|(?<![差距别异色])(?:太|偏|超)[小大]|买[大小]|[大小](?:一|了一|半)(?:码|号|圈|个码|个号)|(?<![差距别异色])(?:这么|那么)[小大]|偏码|小码|大码|长高了|长大了/,
  ),
  p(
    'SIZE_FIT',
    3,
    /穿不[上进下了]|套不[上进]|塞不进|戴不[上进]|挤脚|磨脚|夹脚|顶脚|勒|(?:太|很|好|偏|有点)(?:紧|松|肥|瘦|长|短|宽|窄|挤)|不合身|不合脚|不跟脚|掉跟/,
  ),
  p('SIZE_FIT', 2, /(?<!放)松(?![动软散])|紧(?![急张])|扣不上|拉不上|不合适/),
  p('SIZE_FIT', 3, /(?:尺码|码数|尺寸|码子|\bsize)(?:标|标注|写)?(?:错|不准|不对|有误)|码(?:不准|不标准)|不标准|(?:a bit|a little|slightly|kinda|kind of|super) (?:small|big|large|tight|loose|baggy|snug|short|long|narrow|wide)/),
  p(
    'SIZE_FIT',
    3,
    /too (?:small|big|large|tight|loose|long|short|narrow|wide|baggy|snug|tiny|huge)|runs? (?:small|big|large|tight|narrow|wide|short|long)|\bfits? (?:small|big|large|tight|loose|weird|odd|strange|badly|poorly)|(?:doesn'?t|does not|didn'?t|did not|won'?t|will not|don'?t|do not|not) fit|can'?t (?:get it on|fit|button|zip|close)|wrong size|size (?:is|was|runs) (?:off|wrong|small|big|way off)|(?:a|one|half a|two) sizes? (?:up|down|bigger|smaller|larger)|size (?:up|down)|(?:huge|tiny|massive|enormous) on me|swimming in it|pinch|squeez|(?:way|very|really|so) (?:tight|loose|baggy)|(?:bad|poor|weird) fit|fit is (?:off|weird|bad|awful|terrible)|cut (?:small|big)|outgr[eo]wn?|grown out of|fits? like an? |\b(?:small|big|tight|loose|huge|tiny|baggy) a?af\b/,
  ),

  // QUALITY_DEFECT
  topic('QUALITY_DEFECT', 1.5, /质量|品质|做工|quality/),
  p(
    'QUALITY_DEFECT',
    3,
    /(?:质量|品质)(?:太|很|好|超|真|特别|非常)?(?:差|烂|次|不好|不行|一般|堪忧|有问题)|质量问题|做工(?:太|很|好|超)?(?:差|粗糙|不好|一般|烂)|(?:poor|bad|low|terrible|awful|cheap|crap|shit|horrible) quality|quality (?:is |was )?(?:poor|bad|terrible|awful|garbage|trash|crap|shit|horrible|low)|poorly (?:made|built)|cheaply made/,
  ),
  p(
    'QUALITY_DEFECT',
    2.5,
    /(?<![压摔磕砸碰撞弄])坏|故障|失灵|不能用|用不了|没有?反应|不亮|不转|不响|没有?声音?|杂音|噪音|异响|卡顿|死机|黑屏|花屏|闪屏|漏光|开不了机|开不开|不开机|充不[进上了满]电?|不充电|不能充电|连不上|断了|断开|掉了|脱落|松动|漏水|漏电|生锈|发霉|过期|接触不良|时好时坏|断断续续|卡住|卡死|拉不动|不灵|漏气|鼓包|发烫|过热|烫手|断线|不耐用|没电|耗电|续航(?:差|短|不行)/,
  ),
  // washing or wearing it did it: shrinking after a wash is a defect, not a size choice
  p('QUALITY_DEFECT', 2, /洗(?:了|完|过|后|一次|一下)|after (?:\w+ )?wash/),
  p('QUALITY_DEFECT', 2.5, /开线|脱线|线头|开胶|脱胶|起球|掉色|褪色|掉毛|缩水|起皱|变形|异味|怪味|味道(?:很|太|好)?(?:大|重|冲)|难闻|刺鼻|臭|毛刺|划痕|刮痕|刮花|刮伤|擦痕|磨损|掉漆|污渍|污点|霉点|破(?:损|了|洞|掉|开|的)|起泡|掉皮|脱皮|发黄|变黄|二手|用过的|旧的|脏|头发|瑕疵|次品|残次|劣质|粗糙|歪|裂/),
  p(
    'QUALITY_DEFECT',
    2.5,
    /defect|faulty|broken|\bbroke\b|stopped working|stops working|quit working|(?:doesn'?t|does not|don'?t|didn'?t) work|not working|never worked|won'?t (?:turn on|switch on|power on|charge|work|start|connect|pair|hold a charge)|doesn'?t (?:turn on|power on|charge|connect|pair|hold a charge)|dead on arrival|\bdoa\b|malfunction|no (?:sound|power|picture)|buzz|crackl|flicker|dead pixel|glitch|freez|overheat|keeps (?:crashing|dying|disconnecting|turning off|shutting)|\bdie[sd]\b|battery (?:dies|drains)|\bstuck\b|\bjam(?:s|med)?\b|won'?t (?:close|open|lock|stay|stick|zip)|\bwobbl|\brattl|overheat|\bsmell|\bstinks?\b|\bodou?r|chemical|\brust|\bmou?ld(?:y)?\b|chipped|\bcrack(?:s|ed)?\b|\bleak(?:s|ed|ing|y)?\b|frayed|fraying|unravel/,
  ),
  p(
    'QUALITY_DEFECT',
    2.5,
    /fell apart|falling apart|coming apart|came apart|came undone|came off|fell off|snapped|peel|pilling|\bpills\b|faded|fades|shr[au]nk|stain|scratch|loose threads?|stitching|\bseams?\b|\bholes?\b|\bripped\b|\btor[en]\b|flimsy|cheap (?:material|plastic|fabric)|(?:already|clearly|obviously|been|looks|was) used|second.?hand|pre.?owned|dirty|\bhairs?\b|garbage|\bjunk\b|\btrash\b|\bcrap\b|rubbish/,
  ),

  // CHANGED_MIND: a legitimate customer reason, not a vague one
  p(
    'CHANGED_MIND',
    3.5,
    /拍错|买错|按错|手滑|误(?:拍|购|点|下单)|太贵|买贵|价格(?:太)?高|不小心(?:拍|买|下单|点|多)|下错单?|点错|选错|订错|拍多|多拍|买多|多买|多下|重复(?:下单|购买|拍|买|了)|买重复?了|不需要|不用了|用不上|用不到|用不着|不打算|[七7]天无理由|无理由退|改变主意|改主意|想法变了|不想买了|别(?:家|的店|处|的地方)更?便宜|买贵了|降价|便宜了|找到更便宜|已经(?:买|有|在)|家里有|有人送|送了我|朋友送|(?:老婆|老公|家人|爸妈|爸|妈|媳妇|男朋友|女朋友)不(?:让|同意)|不让买|冲动(?:消费|购物|了)|退了重新(?:买|拍|下单)/,
  ),
  p(
    'CHANGED_MIND',
    5,
    /\b(?:clicked|picked|chose|selected|ordered|bought|tapped|hit) (?:on )?(?:the |a )?wrong|my (?:bad|mistake|fault)/,
  ),
  p(
    'CHANGED_MIND',
    3.5,
    /too expensive|overpriced|can'?t afford|(?:bought|got|ordered|found) (?:another|a new|a better) one|decided (?:not to|against)|chang(?:e|ed) (?:my|our) mind|change of (?:mind|heart)|by mistake|by accident|in error|accidental(?:ly)?|mistakenly|(?:ordered|bought) the wrong|(?:no longer|don'?t|do not|won'?t|will not|doesn'?t|didn'?t) (?:actually |really |even )?(?:need|require)|(?:another|other|different) (?:shop|store|seller|site|website)|on sale (?:at|somewhere|elsewhere)|(?:no longer|not) (?:needed|required)|won'?t be needing|no need for it|(?:need|want) it (?:any ?more|no more)|no longer (?:want|use)|(?:cheaper|better (?:price|deal)|lower price) (?:elsewhere|somewhere|at|on|in)|found (?:it |one )?(?:cheaper|for less|a better)|price (?:dropped|went down)|(?:ordered|bought) (?:two|2|twice|double|too many|extra|one too many)|duplicate|double (?:order|ordered)|ordered (?:it )?twice|already (?:have|has|had|got|bought|own|owns)|plans changed|\bgift\b|impulse|(?:wife|husband|partner|mum|mom|dad) (?:said|doesn'?t|didn'?t|won'?t)|[7７]-? ?days? (?:no.?reason|return)|no questions asked/,
  ),

  // VAGUE: says nothing about the item
  p(
    'VAGUE',
    1,
    /不(?:太|怎么|是很|大)?喜欢|不想要|不要了|就是不要|不(?:太|怎么|是很)?满意|没有?(?:什么|甚么|啥)?(?:特别)?(?:原因|理由)|无理由|不为什么|不想说|想退|退了吧|^退+(?:货|款)?了?$|退货|退款|一般般?|没感觉|不好看|丑|难看|不咋地|不咋样|不值|看不上|失望|算了|不爽|不合心意/,
  ),
  p(
    'VAGUE',
    1,
    /\bme+h+\b|\bnah+\b|\bnope\b|just because|(?:don'?t|do not|didn'?t|did not) (?:really |much |quite )?(?:like|love|want|care for)|(?:not|isn'?t|is not|wasn'?t|was not) (?:really )?(?:for me|my (?:style|thing|taste|cup of tea)|feeling it|a fan|happy|satisfied|impressed)|no (?:particular |real |specific )?reason|whatever|dislike|hate (?:it|this)|disappointed|just (?:want|return|send|refund)|refund (?:me|please|pls)|\bugly\b|not worth/,
  ),
];

/** When two labels score the same, the more specific one wins. */
const TIE_ORDER: readonly ReasonPatternLabel[] = [
  'DAMAGED_IN_TRANSIT',
  'WRONG_ITEM',
  'COLOR_MISMATCH',
  'NOT_AS_DESCRIBED',
  'SIZE_FIT',
  'QUALITY_DEFECT',
  'CHANGED_MIND',
  'VAGUE',
];

const GLOBAL = new WeakMap<RegExp, RegExp>();
function global(re: RegExp): RegExp {
  let g = GLOBAL.get(re);
  if (!g) {
    g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    GLOBAL.set(re, g);
  }
  return g;
}

/** The first occurrence of `re` that no negation governs, as [start, end) in the normalised text. */
function firstAffirmed(re: RegExp, text: string, isTopic: boolean): [number, number] | undefined {
  // Most patterns do not occur at all: one search says so far cheaper than matchAll's iterator.
  if (text.search(re) < 0) return undefined;
  for (const m of text.matchAll(global(re))) {
    if (m[0] === '') continue;
    const from = m.index!;
    const to = from + m[0].length;
    if (isNegated(text, from)) continue;
    if (isTopic && isSaidFine(text, to)) continue;
    return [from, to];
  }
  return undefined;
}

function quote(raw: string, n: NormalizedText, [from, to]: [number, number]): string {
  return raw.slice(n.start[from], n.end[to - 1]);
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

interface Reading {
  classification: ReasonClassification;
  /** the words behind every label that scored, not only the winner's */
  evidence: Partial<Record<ReasonPatternLabel, string[]>>;
}

function read(text: string | undefined | null): Reading {
  const raw = text ?? '';
  const n = normalize(raw);
  if (n.text === '') return { classification: { label: 'UNKNOWN', confidence: 0, matched: [], scores: {} }, evidence: {} };
  // Only punctuation or emoji ("。。。", ".", "👎"): something was typed, but no reason.
  if (!/[\p{L}\p{N}]/u.test(n.text)) {
    const matched = [raw.trim()];
    return { classification: { label: 'VAGUE', confidence: 0.9, matched, scores: { VAGUE: 1 } }, evidence: { VAGUE: matched } };
  }

  const scores: Partial<Record<ReasonPatternLabel, number>> = {};
  const evidence: Partial<Record<ReasonPatternLabel, string[]>> = {};
  for (const pattern of REASON_PATTERNS) {
    const spans: [number, number][] = [];
    for (const re of pattern.allOf) {
      const span = firstAffirmed(re, n.text, pattern.topic === true);
      if (!span) break;
      spans.push(span);
    }
    if (spans.length !== pattern.allOf.length) continue;
    scores[pattern.suggests] = (scores[pattern.suggests] ?? 0) + pattern.weight;
    const words = spans.map((span) => quote(raw, n, span)).join('+');
    const seen = (evidence[pattern.suggests] ??= []);
    if (!seen.includes(words)) seen.push(words);
  }

  let best: ReasonPatternLabel | undefined;
  for (const label of TIE_ORDER) {
    const score = scores[label] ?? 0;
    if (score > 0 && (best === undefined || score > scores[best]!)) best = label;
  }
  if (best === undefined) return { classification: { label: 'UNKNOWN', confidence: 0, matched: [], scores }, evidence };

  const top = scores[best]!;
  const total = Object.values(scores).reduce((sum, s) => sum + s, 0);
  // the winner's share of the evidence, damped while it has less than one outright phrase (4)
  const confidence = round2((top / total) * (0.5 + 0.5 * Math.min(1, top / 4)));
  return { classification: { label: best, confidence, matched: evidence[best]!, scores }, evidence };
}

/**
 * Reads a customer's reason text (Chinese in either script, English, or both mixed)
 * and says which reason it points to. Pure and fast: a table of weighted phrases
 * (`REASON_PATTERNS`) with negation handling, no model.
 */
export function classifyReasonText(text: string | undefined | null): ReasonClassification {
  return read(text).classification;
}

/** A text also backs the chosen side when that side scores at least this share of the winner's score. */
const MIXED_SUPPORT = 0.5;

/**
 * Screens a customer's free text against the reason code they chose.
 * - no text, or nothing recognised (UNKNOWN): CLEAR (the text is optional);
 * - the text points to the chosen reason or one of its group (`reasonGroupOf`): CLEAR;
 * - the text points to the other group: CONTRADICTS, unless it also gives the chosen
 *   group a good part of its weight (mixed texts such as "颜色和图片不一样" under
 *   NOT_AS_DESCRIBED), which is CLEAR;
 * - a VAGUE text (says nothing about the item) depends on the code. The contract sends
 *   a vague reason text to review, but "不想要了" is exactly what "changed mind" means,
 *   so under CHANGED_MIND it is CLEAR. Under a merchant-fault code it is CONTRADICTS:
 *   a vague text is a customer reason, and the merchant would pay the shipping. Under
 *   the other customer codes (SIZE_FIT, COLOR_MISMATCH, OTHER) it is VAGUE. So only
 *   CHANGED_MIND keeps a vague text out of review.
 */
export function screenReasonText(text: string | undefined | null, reasonCode: ReasonCode): ReasonTextScreening {
  const { classification: c, evidence } = read(text);
  const base = { label: c.label, confidence: c.confidence };
  const words = (label: ReasonPatternLabel) => {
    const found = evidence[label] ?? [];
    return found.length > 0 ? { matched: found.join(', ') } : {};
  };
  const group = reasonGroupOf(reasonCode);

  if (c.label === 'UNKNOWN') return { verdict: 'CLEAR', ...base };
  if (c.label === 'VAGUE') {
    if (reasonCode === 'CHANGED_MIND') return { verdict: 'CLEAR', ...base, suggested: 'CHANGED_MIND', ...words('VAGUE') };
    if (group === 'MERCHANT_FAULT') return { verdict: 'CONTRADICTS', ...base, suggested: 'CHANGED_MIND', ...words('VAGUE') };
    return { verdict: 'VAGUE', ...base, ...words('VAGUE') };
  }
  if (reasonGroupOf(c.label) === group) return { verdict: 'CLEAR', ...base, suggested: c.label, ...words(c.label) };

  // The winner is of the other group: does the text also back the chosen side?
  const floor = c.scores[c.label]! * MIXED_SUPPORT;
  const backing = TIE_ORDER.filter(
    (l): l is ReasonCode => l !== 'VAGUE' && reasonGroupOf(l) === group && (c.scores[l] ?? 0) >= floor,
  ).sort((a, b) => c.scores[b]! - c.scores[a]!);
  const support = backing.includes(reasonCode) ? reasonCode : backing[0];
  if (support) return { verdict: 'CLEAR', ...base, suggested: support, ...words(support) };
  return { verdict: 'CONTRADICTS', ...base, suggested: c.label, ...words(c.label) };
}
