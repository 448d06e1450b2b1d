"""The shipped statement templates: a holding statement for the first hour, an apology, a
correction, a regulator notice, an employee memo and a customer notice, each in English,
Traditional and Simplified Chinese, for every incident type. Administrators edit them.

The texts live here, not imported from app code, so this migration means the same thing
forever. Placeholders (``{{ incident.title }}``, ``{{ incident.products }}``,
``{{ incident.regions }}``, ``{{ next_update }}``) are filled from the incident when a
statement is drafted (``comms.drafting``); [brackets] are for the writer to complete.
Names are stored in English and marked for the catalogs; pages translate them.
"""

from django.db import migrations
from django.utils.translation import gettext_noop as _  # marked for the catalogs only

FIELDS = ("title", "what_happened", "when", "where", "who_is_affected", "why", "what_we_do",
          "body")

# kind, name, {language: {field: text}}
TEMPLATES = [
    ("holding", _("Holding statement (first hour)"), {
        "en": {
            "title": "Statement on {{ incident.title }}",
            "what_happened": "We are aware of reports concerning {{ incident.title }} and are "
                             "urgently looking into them.",
            "when": "We became aware of the reports on [date] at [time].",
            "where": "The reports concern {{ incident.products }} in {{ incident.regions }}.",
            "who_is_affected": "Customers who use {{ incident.products }}. We are working to "
                               "establish how many people may be affected.",
            "why": "We do not yet know the cause, and we will not speculate until we have the "
                   "facts.",
            "what_we_do": "A dedicated team is investigating as our highest priority. [Interim "
                          "safety advice, if any.] We will share what we learn as soon as we "
                          "can confirm it.",
            "body": "We are aware of reports concerning {{ incident.title }}. The safety and "
                    "trust of our customers come first, and we are taking these reports very "
                    "seriously.\n\n"
                    "A dedicated team is investigating as a matter of urgency. We do not yet "
                    "have all the facts and will not speculate, but we will share verified "
                    "information as soon as we have it.\n\n"
                    "If you have concerns, please contact our customer service team at "
                    "[contact details].\n\n"
                    "We will give our next update by {{ next_update }}.",
        },
        "zh-hant": {
            "title": "關於{{ incident.title }}的聲明",
            "what_happened": "我們已注意到有關{{ incident.title }}的報導，正緊急了解相關情況。",
            "when": "我們於[日期][時間]獲悉相關報導。",
            "where": "相關報導涉及{{ incident.regions }}的{{ incident.products }}。",
            "who_is_affected": "使用{{ incident.products }}的顧客。我們正在確認可能受影響的人數。",
            "why": "目前原因尚未查明。在掌握確切事實之前，我們不會作任何揣測。",
            "what_we_do": "我們已成立專責小組，以最優先的方式進行調查。[如有臨時安全建議，請於此說明。]"
                          "相關資訊一經確認，我們將盡快對外說明。",
            "body": "我們已注意到有關{{ incident.title }}的報導。顧客的安全與信任是我們的首要考量，"
                    "我們對此高度重視。\n\n"
                    "專責小組正全力進行調查。目前我們尚未掌握全部事實，不會作任何揣測；"
                    "一旦取得經核實的資訊，將第一時間對外說明。\n\n"
                    "如有任何疑問，歡迎與我們的客服團隊聯繫：[聯絡方式]。\n\n"
                    "我們將於{{ next_update }}前發布下一次更新。",
        },
        "zh-hans": {
            "title": "关于{{ incident.title }}的声明",
            "what_happened": "我们已关注到有关{{ incident.title }}的报道，正在紧急核实相关情况。",
            "when": "我们于[日期][时间]获悉相关报道。",
            "where": "相关报道涉及{{ incident.regions }}的{{ incident.products }}。",
            "who_is_affected": "使用{{ incident.products }}的用户。我们正在确认可能受影响的人数。",
            "why": "目前原因尚未查明。在掌握确切事实之前，我们不作任何猜测。",
            "what_we_do": "我们已成立专项工作组，以最高优先级开展调查。[如有临时安全建议，请在此说明。]"
                          "相关信息一经核实，我们将尽快对外说明。",
            "body": "我们已关注到有关{{ incident.title }}的报道。用户的安全与信任始终是我们的首要考虑，"
                    "我们对此高度重视。\n\n"
                    "专项工作组正在全力调查。目前我们尚未掌握全部事实，不作任何猜测；"
                    "一旦获得经核实的信息，将第一时间对外说明。\n\n"
                    "如有任何疑问，请联系我们的客服团队：[联系方式]。\n\n"
                    "我们将于{{ next_update }}前发布下一次更新。",
        },
    }),
    ("apology", _("Apology"), {
        "en": {
            "title": "We are sorry: {{ incident.title }}",
            "what_happened": "{{ incident.title }}. We fell short of the standards our "
                             "customers rightly expect of us.",
            "when": "From [start date and time] until [end date and time, or: it is still "
                    "ongoing].",
            "where": "{{ incident.products }} in {{ incident.regions }}.",
            "who_is_affected": "[Number] customers who [how they were affected].",
            "why": "[The cause, as far as it is established; say what is still being "
                   "investigated.]",
            "what_we_do": "We have [immediate fix]. Every affected customer will [remedy: "
                          "refund, replacement, compensation], and we are [lasting change] so "
                          "that this does not happen again.",
            "body": "We are sorry.\n\n"
                    "{{ incident.title }} should not have happened, and we understand the "
                    "frustration and worry it has caused. We take full responsibility.\n\n"
                    "Here is what we are doing: [immediate fix]. Every affected customer will "
                    "[remedy]; you do not need to do anything to receive it [or: here is how "
                    "to claim it]. We are also [lasting change], and we will report on our "
                    "progress.\n\n"
                    "If you have been affected, please contact us at [contact details]. Our "
                    "next update will follow by {{ next_update }}.",
        },
        "zh-hant": {
            "title": "致歉聲明：{{ incident.title }}",
            "what_happened": "{{ incident.title }}。我們未能達到顧客理應期待的標準。",
            "when": "自[開始日期及時間]起至[結束日期及時間，或「目前仍在持續」]。",
            "where": "{{ incident.regions }}的{{ incident.products }}。",
            "who_is_affected": "[人數]位顧客[說明受影響的情形]。",
            "why": "[就目前已確認的範圍說明原因，並說明仍在調查的部分。]",
            "what_we_do": "我們已[即時處置措施]。所有受影響的顧客將獲得[補救方式：退款、更換或賠償]，"
                          "我們亦將[長期改善措施]，杜絕同類事件再次發生。",
            "body": "我們深感抱歉。\n\n"
                    "{{ incident.title }}本不應發生，我們理解此事為大家帶來的困擾與擔憂，並承擔全部責任。\n\n"
                    "我們正採取以下行動：[即時處置措施]。所有受影響的顧客將獲得[補救方式]，"
                    "無須另行申請[或：申請方式如下]。我們也將[長期改善措施]，並持續向大家報告進度。\n\n"
                    "如您受到影響，請透過[聯絡方式]與我們聯繫。我們將於{{ next_update }}前發布下一次更新。",
        },
        "zh-hans": {
            "title": "致歉声明：{{ incident.title }}",
            "what_happened": "{{ incident.title }}。我们未能达到用户理应期待的标准。",
            "when": "自[开始日期及时间]起至[结束日期及时间，或“目前仍在持续”]。",
            "where": "{{ incident.regions }}的{{ incident.products }}。",
            "who_is_affected": "[人数]位用户[说明受影响的情况]。",
            "why": "[就目前已确认的范围说明原因，并说明仍在调查的部分。]",
            "what_we_do": "我们已[即时处置措施]。所有受影响的用户将获得[补救方式：退款、换货或赔偿]，"
                          "我们还将[长期改进措施]，杜绝同类事件再次发生。",
            "body": "我们深表歉意。\n\n"
                    "{{ incident.title }}本不应发生，我们理解此事给大家带来的困扰和担忧，并承担全部责任。\n\n"
                    "我们正在采取以下行动：[即时处置措施]。所有受影响的用户将获得[补救方式]，"
                    "无需另行申请[或：申请方式如下]。我们还将[长期改进措施]，并持续向大家通报进展。\n\n"
                    "如您受到影响，请通过[联系方式]与我们联系。我们将于{{ next_update }}前发布下一次更新。",
        },
    }),
    ("correction", _("Correction"), {
        "en": {
            "title": "Correction: {{ incident.title }}",
            "what_happened": "Our statement of [date] said that [the incorrect information]. "
                             "That was wrong: [the correct information].",
            "when": "The statement was published on [date and time]; we found the error on "
                    "[date and time].",
            "where": "The statement appeared on [channels: our website, social media, press "
                     "release].",
            "who_is_affected": "Anyone who read or relied on our earlier statement about "
                               "{{ incident.products }} in {{ incident.regions }}.",
            "why": "[How the error came about, briefly.]",
            "what_we_do": "We have corrected the statement everywhere it was published and "
                          "marked the change. [If anyone acted on the wrong information: what "
                          "they should do now.]",
            "body": "We are correcting our statement of [date] about {{ incident.title }}.\n\n"
                    "We said: [the incorrect information].\n"
                    "The correct information is: [the correct information].\n\n"
                    "We apologise for the error. The corrected statement replaces the earlier "
                    "one on all our channels. [If you acted on the earlier information, please "
                    "…]\n\n"
                    "We will give our next update by {{ next_update }}.",
        },
        "zh-hant": {
            "title": "更正啟事：{{ incident.title }}",
            "what_happened": "我們於[日期]發布的聲明指出[錯誤內容]，此說法有誤，正確內容為：[正確內容]。",
            "when": "原聲明於[日期及時間]發布；我們於[日期及時間]發現錯誤。",
            "where": "原聲明刊載於[管道：官方網站、社群媒體、新聞稿]。",
            "who_is_affected": "曾閱讀或依據我們先前有關{{ incident.regions }}{{ incident.products }}"
                               "之聲明的各界人士。",
            "why": "[簡要說明錯誤發生的原因。]",
            "what_we_do": "我們已在所有發布管道更正該聲明，並標明更正之處。"
                          "[如有人曾依錯誤資訊採取行動，請說明現在應如何處理。]",
            "body": "我們謹此更正於[日期]發布、有關{{ incident.title }}的聲明。\n\n"
                    "原聲明內容：[錯誤內容]。\n"
                    "正確內容：[正確內容]。\n\n"
                    "我們對此錯誤深表歉意。更正後的聲明已在所有管道取代原聲明。"
                    "[如您曾依先前資訊採取行動，請……]\n\n"
                    "我們將於{{ next_update }}前發布下一次更新。",
        },
        "zh-hans": {
            "title": "更正声明：{{ incident.title }}",
            "what_happened": "我们于[日期]发布的声明称[错误内容]，该说法有误，正确内容为：[正确内容]。",
            "when": "原声明于[日期及时间]发布；我们于[日期及时间]发现错误。",
            "where": "原声明发布于[渠道：官方网站、社交媒体、新闻稿]。",
            "who_is_affected": "阅读或依据我们此前有关{{ incident.regions }}{{ incident.products }}"
                               "的声明的各方人士。",
            "why": "[简要说明出错原因。]",
            "what_we_do": "我们已在所有发布渠道更正该声明，并标注更正之处。"
                          "[如有人曾依据错误信息采取行动，请说明现在应如何处理。]",
            "body": "我们谨此更正于[日期]发布的有关{{ incident.title }}的声明。\n\n"
                    "原声明内容：[错误内容]。\n"
                    "正确内容：[正确内容]。\n\n"
                    "我们对此错误深表歉意。更正后的声明已在所有渠道替换原声明。"
                    "[如您曾依据此前信息采取行动，请……]\n\n"
                    "我们将于{{ next_update }}前发布下一次更新。",
        },
    }),
    ("regulator_notice", _("Regulator notice"), {
        "en": {
            "title": "Notification to [regulator]: {{ incident.title }}",
            "what_happened": "[Company] notifies [regulator] of {{ incident.title }}. [Factual "
                             "description of the event, without speculation.]",
            "when": "The event was detected on [date and time, time zone]; it [began on … / is "
                    "ongoing / ended on …].",
            "where": "Products concerned: {{ incident.products }}. Markets concerned: "
                     "{{ incident.regions }}.",
            "who_is_affected": "[Number and categories of customers, users or data subjects "
                               "concerned; estimates marked as such.]",
            "why": "[The cause as established so far, and what remains under investigation.]",
            "what_we_do": "Containment: [measures taken]. Notification of the people "
                          "affected: [status]. Contact for this notification: [name, role, "
                          "phone, email].",
            "body": "In accordance with [legal basis, e.g. the applicable product safety or "
                    "data protection rules], [company] notifies you of {{ incident.title }}.\n\n"
                    "The facts known at this time are set out above; figures that are still "
                    "estimates are marked as such. We will supplement this notification as our "
                    "investigation progresses, next by {{ next_update }}, and will answer any "
                    "request for information without delay.\n\n"
                    "Yours faithfully,\n\n"
                    "[Name, title]\n"
                    "[Company]",
        },
        "zh-hant": {
            "title": "致[主管機關]通報：{{ incident.title }}",
            "what_happened": "[公司名稱]謹向[主管機關]通報{{ incident.title }}一事。"
                             "[以客觀事實描述事件經過，不作推測。]",
            "when": "本事件於[日期及時間（時區）]發現；[始於……／目前仍在持續／已於……結束]。",
            "where": "涉及產品：{{ incident.products }}；涉及市場：{{ incident.regions }}。",
            "who_is_affected": "[受影響之顧客、使用者或當事人之人數及類別；屬估計者請註明。]",
            "why": "[目前已查明之原因，以及仍在調查中之事項。]",
            "what_we_do": "控制措施：[已採取之措施]。通知受影響人士之情形：[辦理進度]。"
                          "本通報聯絡窗口：[姓名、職稱、電話、電子郵件]。",
            "body": "依據[法律依據，例如相關產品安全或個人資料保護法規]，"
                    "[公司名稱]謹就{{ incident.title }}一事提出通報。\n\n"
                    "目前已知事實詳如上述，尚屬估計之數據均已註明。本公司將隨調查進展補充通報，"
                    "下次補充將於{{ next_update }}前提出，並將即時回應貴機關之任何資料索取。\n\n"
                    "此致\n"
                    "[主管機關]\n\n"
                    "[公司名稱]　[姓名、職稱]",
        },
        "zh-hans": {
            "title": "致[监管机构]的报告：{{ incident.title }}",
            "what_happened": "[公司名称]现就{{ incident.title }}一事向[监管机构]报告。"
                             "[以客观事实描述事件经过，不作推测。]",
            "when": "本事件于[日期及时间（时区）]发现；[始于……／目前仍在持续／已于……结束]。",
            "where": "涉及产品：{{ incident.products }}；涉及市场：{{ incident.regions }}。",
            "who_is_affected": "[受影响的客户、用户或个人信息主体的人数及类别；属估算的请注明。]",
            "why": "[目前已查明的原因，以及仍在调查中的事项。]",
            "what_we_do": "处置措施：[已采取的措施]。通知受影响人员的情况：[进展]。"
                          "本报告联系人：[姓名、职务、电话、电子邮箱]。",
            "body": "根据[法律依据，例如相关产品质量安全或个人信息保护法规]，"
                    "[公司名称]现就{{ incident.title }}一事报告如下。\n\n"
                    "目前已知事实详见上文，尚属估算的数据均已注明。我司将随调查进展补充报告，"
                    "下一次补充报告将于{{ next_update }}前提交，并将及时响应贵机构的信息调取要求。\n\n"
                    "此致\n"
                    "[监管机构]\n\n"
                    "[公司名称]　[姓名、职务]",
        },
    }),
    ("internal_memo", _("Employee memo"), {
        "en": {
            "title": "To all staff: {{ incident.title }}",
            "what_happened": "You may have seen reports about {{ incident.title }}. Here is what "
                             "we know so far.",
            "when": "We became aware on [date] at [time].",
            "where": "{{ incident.products }}; {{ incident.regions }}.",
            "who_is_affected": "[Customers, colleagues or sites affected.]",
            "why": "[What we know about the cause, or: the cause is still being investigated.]",
            "what_we_do": "A crisis team led by [name] is handling the response. [The main "
                          "actions so far.]",
            "body": "Dear colleagues,\n\n"
                    "You may have seen reports about {{ incident.title }}. We want you to hear "
                    "from us first what we know and what we ask of you.\n\n"
                    "- Please do not comment on the matter in public or on social media, even "
                    "in a personal capacity.\n"
                    "- Refer every media enquiry to Corporate Communications ([contact]).\n"
                    "- Refer customers to [customer service channel] and use the approved "
                    "answer.\n"
                    "- If you have information that could help, tell [name] directly.\n\n"
                    "This memo is for internal use only. We will update you by "
                    "{{ next_update }}.\n\n"
                    "[Name]\n"
                    "[Title]",
        },
        "zh-hant": {
            "title": "致全體同仁：{{ incident.title }}",
            "what_happened": "各位可能已看到有關{{ incident.title }}的報導，以下是目前掌握的情況。",
            "when": "公司於[日期][時間]獲悉此事。",
            "where": "{{ incident.products }}；{{ incident.regions }}。",
            "who_is_affected": "[受影響的顧客、同仁或據點。]",
            "why": "[目前所知的原因，或：原因仍在調查中。]",
            "what_we_do": "公司已成立由[姓名]帶領的危機處理小組負責應變。[目前已採取的主要行動。]",
            "body": "各位同仁：\n\n"
                    "各位可能已看到有關{{ incident.title }}的報導。我們希望各位先從公司得知目前掌握的情況，"
                    "以及需要大家配合的事項。\n\n"
                    "- 請勿在公開場合或社群媒體上評論此事，即使以個人身分亦然。\n"
                    "- 所有媒體詢問請轉介企業傳播部（[聯絡方式]）。\n"
                    "- 顧客詢問請引導至[客服管道]，並依核定的說法回覆。\n"
                    "- 如您掌握有助於釐清事件的資訊，請直接告知[姓名]。\n\n"
                    "本通知僅供內部使用。我們將於{{ next_update }}前向各位更新進展。\n\n"
                    "[姓名]\n"
                    "[職稱]",
        },
        "zh-hans": {
            "title": "致全体同事：{{ incident.title }}",
            "what_happened": "大家可能已经看到有关{{ incident.title }}的报道，以下是目前掌握的情况。",
            "when": "公司于[日期][时间]获悉此事。",
            "where": "{{ incident.products }}；{{ incident.regions }}。",
            "who_is_affected": "[受影响的客户、同事或场所。]",
            "why": "[目前所知的原因，或：原因仍在调查中。]",
            "what_we_do": "公司已成立由[姓名]牵头的危机应对小组负责处置。[目前已采取的主要行动。]",
            "body": "各位同事：\n\n"
                    "大家可能已经看到有关{{ incident.title }}的报道。我们希望大家首先从公司了解目前掌握的情况，"
                    "以及需要大家配合的事项。\n\n"
                    "- 请勿在公开场合或社交媒体上评论此事，以个人身份也不例外。\n"
                    "- 所有媒体问询请转至企业传播部（[联系方式]）。\n"
                    "- 客户问询请引导至[客服渠道]，并按照审定口径答复。\n"
                    "- 如您掌握有助于查明情况的信息，请直接告知[姓名]。\n\n"
                    "本通知仅限内部使用。我们将于{{ next_update }}前向大家通报最新进展。\n\n"
                    "[姓名]\n"
                    "[职务]",
        },
    }),
    ("customer_notice", _("Customer notice"), {
        "en": {
            "title": "Important information for customers: {{ incident.title }}",
            "what_happened": "We want to let you know about {{ incident.title }} and what it "
                             "means for you.",
            "when": "[Since date and time / between … and …].",
            "where": "{{ incident.products }} sold or used in {{ incident.regions }}.",
            "who_is_affected": "Customers who [bought / use / hold an account for] "
                               "{{ incident.products }}. [How to tell whether you are affected, "
                               "e.g. model or batch number, order date.]",
            "why": "[The cause, if known; otherwise: we are still investigating the cause.]",
            "what_we_do": "[What we have done.] [What we will do for affected customers: "
                          "repair, replacement, refund, compensation.]",
            "body": "Dear customer,\n\n"
                    "We want to let you know about {{ incident.title }} and what it means for "
                    "you.\n\n"
                    "**What you should do now:** [clear steps, e.g. stop using the product, "
                    "check the batch number, change your password].\n\n"
                    "**What we will do for you:** [remedy and how to get it]. There is no "
                    "charge for this.\n\n"
                    "If you have questions, our customer service team is here for you at "
                    "[phone, hours, web form]. We are sorry for the inconvenience and will keep "
                    "you informed, next by {{ next_update }}.",
        },
        "zh-hant": {
            "title": "顧客重要通知：{{ incident.title }}",
            "what_happened": "我們希望讓您了解{{ incident.title }}一事，以及此事對您的影響。",
            "when": "[自……起／……至……期間]。",
            "where": "於{{ incident.regions }}銷售或使用的{{ incident.products }}。",
            "who_is_affected": "[購買／使用／持有帳戶之]{{ incident.products }}顧客。"
                               "[說明如何判斷是否受影響，例如型號、批號或訂購日期。]",
            "why": "[如已知原因請說明；否則：我們仍在調查原因。]",
            "what_we_do": "[我們已採取的措施。][我們將為受影響顧客提供的協助：維修、更換、退款或補償。]",
            "body": "親愛的顧客您好：\n\n"
                    "我們希望讓您了解{{ incident.title }}一事，以及此事對您的影響。\n\n"
                    "**請您現在採取的步驟：**[清楚列出步驟，例如停止使用產品、核對批號、變更密碼]。\n\n"
                    "**我們將為您提供的協助：**[補救方式及申請方法]，您無須負擔任何費用。\n\n"
                    "如有任何疑問，歡迎聯絡我們的客服團隊：[電話、服務時間、線上表單]。"
                    "造成您的不便，我們深感抱歉，並將持續向您說明最新情況，"
                    "下一次更新將於{{ next_update }}前發布。",
        },
        "zh-hans": {
            "title": "致用户的重要通知：{{ incident.title }}",
            "what_happened": "我们希望让您了解{{ incident.title }}一事，以及此事对您的影响。",
            "when": "[自……起／……至……期间]。",
            "where": "在{{ incident.regions }}销售或使用的{{ incident.products }}。",
            "who_is_affected": "[购买／使用／注册账户的]{{ incident.products }}用户。"
                               "[说明如何判断是否受影响，例如型号、批次号或下单日期。]",
            "why": "[如已知原因请说明；否则：我们仍在调查原因。]",
            "what_we_do": "[我们已采取的措施。][我们将为受影响用户提供的帮助：维修、换货、退款或补偿。]",
            "body": "尊敬的用户：\n\n"
                    "我们希望让您了解{{ incident.title }}一事，以及此事对您的影响。\n\n"
                    "**请您现在采取的措施：**[清楚列出步骤，例如停止使用产品、核对批次号、修改密码]。\n\n"
                    "**我们将为您提供的帮助：**[补救方式及申请方法]，您无需承担任何费用。\n\n"
                    "如有任何疑问，请联系我们的客服团队：[电话、服务时间、在线表单]。"
                    "给您带来不便，我们深表歉意，并将持续向您通报最新情况，"
                    "下一次更新将于{{ next_update }}前发布。",
        },
    }),
]


def create_templates(apps, schema_editor):
    StatementTemplate = apps.get_model("comms", "StatementTemplate")
    for kind, name, texts in TEMPLATES:
        for language, fields in texts.items():
            StatementTemplate.objects.get_or_create(
                kind=kind, language=language, name=name, incident_type=None,
                defaults={field: fields[field] for field in FIELDS})


def delete_templates(apps, schema_editor):
    StatementTemplate = apps.get_model("comms", "StatementTemplate")
    for kind, name, texts in TEMPLATES:
        StatementTemplate.objects.filter(kind=kind, name=name, language__in=list(texts),
                                         incident_type=None).delete()


class Migration(migrations.Migration):
    dependencies = [("comms", "0003_statement_templates_and_overdue")]

    operations = [migrations.RunPython(create_templates, delete_templates)]
