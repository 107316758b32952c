"""Word lists and text templates for the demo organisation (see db/seed.py).

Templates use `str.format_map` slots filled from one context dict per item (`{agency}`,
`{product}`, `{doc}`, ...), so a few hundred templates yield tens of thousands of distinct
texts. Everything here is invented: companies, products and people do not exist.
"""

from __future__ import annotations

COMPANY = "Meridian Biopharma"
EMAIL_DOMAIN = "meridian-bio.example"

# name, region, country, UTC offset in hours (for plausible working hours)
SITES = (
    ("Basel", "Europe", "Switzerland", 1),
    ("Boston", "North America", "USA", -5),
    ("Cambridge UK", "Europe", "United Kingdom", 0),
    ("Shanghai", "Asia Pacific", "China", 8),
    ("Tokyo", "Asia Pacific", "Japan", 9),
    ("Singapore", "Asia Pacific", "Singapore", 8),
)
SITE_WEIGHTS = (30, 22, 12, 14, 10, 12)

# Per country: groups of (first names, last names) that belong together.
NAMES: dict[str, list[tuple[list[str], list[str]]]] = {
    "Switzerland": [
        (["Lukas", "Noah", "Lea", "Mia", "Jonas", "Laura", "Simon", "Anna", "Reto", "Corinne",
          "Beat", "Ursula", "Stefan", "Nadine", "Martin", "Sabine", "Andreas", "Katharina",
          "Daniel", "Franziska", "Urs", "Nina", "Patrick", "Rahel"],
         ["Müller", "Meier", "Schmid", "Keller", "Weber", "Huber", "Schneider", "Meyer",
          "Steiner", "Gerber", "Brunner", "Baumann", "Frei", "Zimmermann", "Moser", "Widmer",
          "Wyss", "Graf", "Roth", "Bachmann", "Suter", "Kunz", "Lehmann", "Marti"]),
        (["Nicolas", "Camille", "Julien", "Élodie", "Mathieu", "Céline", "Olivier", "Aurélie",
          "Sébastien", "Chloé", "Pierre", "Mélanie"],
         ["Favre", "Rochat", "Dubois", "Bonvin", "Perrin", "Girard", "Fontana", "Mercier",
          "Chevalley", "Jaquet", "Monnier", "Rey"]),
        (["Luca", "Matteo", "Chiara", "Giulia", "Marco", "Francesca", "Alessandro", "Sara",
          "Davide", "Elena"],
         ["Bernasconi", "Rossi", "Bianchi", "Ferrari", "Colombo", "Galli", "Pedrazzini",
          "Moretti", "Lombardi", "Cattaneo"]),
    ],
    "USA": [
        (["James", "Emily", "Michael", "Olivia", "David", "Jessica", "Daniel", "Ashley",
          "Christopher", "Sarah", "Kevin", "Megan", "Brian", "Rachel", "Tyler", "Hannah",
          "Marcus", "Lauren", "Jennifer", "Ryan", "Nicole", "Brandon", "Samantha", "Justin"],
         ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
          "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Thompson", "White",
          "Harris", "Clark", "Lewis", "Walker", "Sullivan", "O'Brien", "Cohen", "Murphy"]),
        (["José", "María", "Carlos", "Gabriela", "Luis", "Ana", "Diego", "Sofía"],
         ["Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Ramirez",
          "Torres"]),
        (["Priya", "Raj", "Anil", "Deepa", "Vikram", "Sunita", "Wei", "Jenny", "Minh", "Grace",
          "Andre", "Keisha", "Jamal", "Aaliyah"],
         ["Patel", "Shah", "Gupta", "Rao", "Lee", "Kim", "Nguyen", "Chen", "Washington",
          "Robinson", "Jefferson", "Brooks"]),
    ],
    "United Kingdom": [
        (["Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Jack", "Emily", "Charlie",
          "Sophie", "Thomas", "Grace", "William", "Lucy", "James", "Chloe", "Rhys", "Niamh",
          "Callum", "Fiona", "Hamish", "Eleanor", "Alfie", "Poppy"],
         ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Roberts",
          "Walker", "Wright", "Robinson", "Thompson", "Hughes", "Edwards", "Green", "Hall",
          "Wood", "Clarke", "Campbell", "Murray", "Davies", "MacLeod", "Fraser", "Bennett"]),
        (["Aisha", "Imran", "Sana", "Hassan", "Ravi", "Anjali", "Kwame", "Ama", "Tunde",
          "Chioma"],
         ["Khan", "Ahmed", "Hussain", "Patel", "Sharma", "Mensah", "Okonkwo", "Adeyemi",
          "Begum", "Iqbal"]),
    ],
    "China": [
        (["Wei", "Fang", "Jing", "Lei", "Min", "Yang", "Na", "Jun", "Hui", "Xiaoming", "Yan",
          "Hao", "Ting", "Qiang", "Xin", "Yu", "Jie", "Lin", "Zhiwei", "Meiling", "Haoran",
          "Yifan", "Zihan", "Xiaoli", "Jianguo", "Shu", "Ying", "Bo"],
         ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
          "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao", "Zheng", "Liang", "Song",
          "Tang"]),
    ],
    "Japan": [
        (["Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi", "Ren", "Sakura", "Daiki", "Yuki",
          "Kenji", "Akiko", "Takeshi", "Naoko", "Hiroshi", "Emi", "Shota", "Misaki", "Kazuki",
          "Ayaka", "Kaito", "Mai", "Ryo", "Tomoko"],
         ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
          "Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto",
          "Inoue", "Kimura", "Hayashi", "Shimizu", "Mori", "Ikeda", "Hashimoto", "Ishikawa",
          "Ogawa"]),
    ],
    "Singapore": [
        (["Wei Ling", "Jun Jie", "Hui Min", "Zhi Hao", "Xin Yi", "Kai Wen", "Li Ting",
          "Jia Hui", "Wen Jie", "Shu Fen", "Boon Keng", "Mei Xuan"],
         ["Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Koh", "Teo", "Chan", "Yeo"]),
        (["Muhammad Hafiz", "Nurul Aini", "Siti Aisyah", "Ahmad Farid", "Nur Syafiqah",
          "Mohd Irfan", "Farah", "Hakim"],
         ["Rahman", "Ismail", "Hassan", "Abdullah", "Osman", "Yusof", "Salleh", "Aziz"]),
        (["Arjun", "Kavitha", "Rajesh", "Priya", "Suresh", "Lakshmi", "Vijay", "Divya"],
         ["Pillai", "Nair", "Kumar", "Menon", "Raj", "Subramaniam", "Krishnan", "Naidu"]),
    ],
}

JOB_TITLES = {
    "Regulatory Affairs": [
        "Regulatory Affairs Specialist", "Senior Regulatory Affairs Manager",
        "CMC Regulatory Lead", "Regulatory Publishing Specialist", "Regulatory Affairs Associate",
        "Regulatory Intelligence Analyst", "Labelling Manager", "Regulatory Project Manager",
    ],
    "R&D": [
        "Scientist, Formulation Development", "Senior Scientist, Analytical Development",
        "Clinical Pharmacologist", "Principal Scientist, Process Chemistry",
        "Research Associate", "Clinical Trial Manager", "Biostatistician",
        "Stability Scientist",
    ],
    "Manufacturing": [
        "Production Operator", "Shift Supervisor", "Process Engineer",
        "Manufacturing Science Lead", "Packaging Technician", "Validation Engineer",
        "Production Planner", "Aseptic Processing Specialist",
    ],
    "Supply Chain": [
        "Supply Planner", "Distribution Specialist", "Logistics Coordinator",
        "Cold Chain Specialist", "Demand Planner", "Import/Export Compliance Specialist",
        "Warehouse Team Lead",
    ],
    "Quality": [
        "QA Specialist", "QC Analyst", "Qualified Person", "Quality Systems Manager",
        "Validation Specialist", "Senior QA Auditor", "Deviation Investigator",
        "Data Integrity Lead",
    ],
    "Medical Affairs": [
        "Medical Science Liaison", "Medical Information Specialist", "Drug Safety Physician",
        "Pharmacovigilance Scientist", "Medical Advisor", "Medical Writer",
    ],
}
TRAINER_TITLES = ("{function} Training Lead", "Learning Partner, {function}",
                  "{function} Trainer", "Senior {function} Trainer")
LEADER_TITLES = ("Head of {function}, {site}", "Director, {function}",
                 "Vice President, {function}", "{function} Site Lead, {site}")
ADMIN_TITLES = ("Platform Administrator", "Digital Learning Systems Analyst")

# --- regulatory vocabulary --------------------------------------------------------------

# name: (region, country, tag, long name, link)
AGENCIES = {
    "FDA": ("North America", "USA", "fda", "US Food and Drug Administration",
            "https://www.fda.gov/drugs"),
    "EMA": ("Europe", "European Union", "ema", "European Medicines Agency",
            "https://www.ema.europa.eu/en/human-regulatory-overview"),
    "PMDA": ("Asia Pacific", "Japan", "pmda", "Pharmaceuticals and Medical Devices Agency",
             "https://www.pmda.go.jp/english/"),
    "NMPA": ("Asia Pacific", "China", "nmpa", "National Medical Products Administration",
             "https://english.nmpa.gov.cn/"),
    "Health Canada": ("North America", "Canada", "health-canada", "Health Canada",
                      "https://www.canada.ca/en/health-canada.html"),
    "MHRA": ("Europe", "United Kingdom", "mhra",
             "Medicines and Healthcare products Regulatory Agency",
             "https://www.gov.uk/government/organisations/"
             "medicines-and-healthcare-products-regulatory-agency"),
    "Swissmedic": ("Europe", "Switzerland", "swissmedic", "Swissmedic",
                   "https://www.swissmedic.ch/swissmedic/en/home.html"),
    "HSA": ("Asia Pacific", "Singapore", "hsa", "Health Sciences Authority",
            "https://www.hsa.gov.sg/therapeutic-products"),
}
# Which site usually files with which agency.
AGENCY_HOME_SITE = {
    "FDA": "Boston", "Health Canada": "Boston", "EMA": "Basel", "Swissmedic": "Basel",
    "MHRA": "Cambridge UK", "PMDA": "Tokyo", "NMPA": "Shanghai", "HSA": "Singapore",
}
SUBMISSION_TYPES = ("IND", "NDA", "BLA", "MAA", "Variation", "sNDA", "CTA")
# agency: (clinical application type, marketing types, follow-up type per marketing type)
AGENCY_TYPES = {
    "FDA": ("IND", ("NDA", "BLA"), {"NDA": "sNDA", "BLA": "Variation"}),
    "Health Canada": ("CTA", ("NDA",), {"NDA": "Variation"}),
    "EMA": (None, ("MAA",), {"MAA": "Variation"}),
    "MHRA": ("CTA", ("MAA",), {"MAA": "Variation"}),
    "Swissmedic": ("CTA", ("MAA",), {"MAA": "Variation"}),
    "PMDA": ("CTA", ("NDA",), {"NDA": "Variation"}),
    "NMPA": ("IND", ("NDA", "BLA"), {"NDA": "Variation", "BLA": "Variation"}),
    "HSA": ("CTA", ("NDA",), {"NDA": "Variation"}),
}
AGENCY_SPEED = {"FDA": 1.0, "EMA": 1.1, "PMDA": 1.0, "NMPA": 1.3, "Health Canada": 1.0,
                "MHRA": 0.85, "Swissmedic": 1.05, "HSA": 0.95}

# document: (eCTD location, module tag, module name)
DOCUMENTS = {
    "stability data": ("3.2.P.8", "m3-quality", "Module 3 (Quality)"),
    "drug substance stability data": ("3.2.S.7", "m3-quality", "Module 3 (Quality)"),
    "process validation report": ("3.2.P.3.5", "m3-quality", "Module 3 (Quality)"),
    "batch analysis data": ("3.2.P.5.4", "m3-quality", "Module 3 (Quality)"),
    "container closure description": ("3.2.P.7", "m3-quality", "Module 3 (Quality)"),
    "specification justification": ("3.2.P.5.6", "m3-quality", "Module 3 (Quality)"),
    "Quality Overall Summary": ("2.3", "m2-summaries", "Module 2 (Summaries)"),
    "clinical overview": ("2.5", "m2-summaries", "Module 2 (Summaries)"),
    "nonclinical overview": ("2.4", "m2-summaries", "Module 2 (Summaries)"),
    "summary of clinical safety": ("2.7.4", "m2-summaries", "Module 2 (Summaries)"),
    "risk management plan": ("1.8.2", "m1-regional", "Module 1 (Regional)"),
    "product information (SmPC and leaflet)": ("1.3.1", "m1-regional", "Module 1 (Regional)"),
    "cover letter": ("1.0", "m1-regional", "Module 1 (Regional)"),
    "application form": ("1.2", "m1-regional", "Module 1 (Regional)"),
    "environmental risk assessment": ("1.6", "m1-regional", "Module 1 (Regional)"),
    "toxicology study reports": ("4.2.3", "m4-nonclinical", "Module 4 (Nonclinical)"),
    "pharmacology study reports": ("4.2.1", "m4-nonclinical", "Module 4 (Nonclinical)"),
    "clinical study reports": ("5.3.5", "m5-clinical", "Module 5 (Clinical)"),
    "bioequivalence study report": ("5.3.1.2", "m5-clinical", "Module 5 (Clinical)"),
    "literature references": ("5.4", "m5-clinical", "Module 5 (Clinical)"),
}
EU_VARIATION_TYPES = ("Type IA", "Type IB", "Type II")
# US post-approval categories other than CBE-30 (a question template contrasts them with it).
US_SUPPLEMENTS = ("Prior Approval Supplement", "CBE-0", "Annual Report")
CHANGES = (
    "change of API manufacturer", "new site for secondary packaging",
    "shelf-life extension from 24 to 36 months", "tightened specification limit",
    "new pack size", "change in the drug substance manufacturing process",
    "new strength", "safety update to the product information",
    "change of the container closure system", "new analytical method for assay",
    "batch size increase", "transfer of QC release testing to a contract laboratory",
    "new excipient supplier", "change of the sterilisation method",
    "addition of a manufacturing site for the drug product",
    "deletion of a non-significant in-process test",
)
PROCESSES = (
    ("change control", "change-control"), ("deviation management", "deviation-management"),
    ("CAPA", "capa"), ("batch release", "batch-release"), ("stability testing", "stability"),
    ("process validation", "validation"), ("cleaning validation", "cleaning-validation"),
    ("supplier qualification", "supplier-qualification"), ("labelling", "labelling"),
    ("technology transfer", "tech-transfer"), ("data integrity review", "data-integrity"),
    ("annual product review", "product-quality-review"), ("serialisation", "serialisation"),
    ("cold chain shipping", "cold-chain"), ("signal detection", "pharmacovigilance"),
    ("complaint handling", "complaints"),
)
DEVIATIONS = (
    "temperature excursion during shipment", "missing signature in a batch record",
    "out-of-specification assay result", "environmental monitoring excursion in grade B",
    "label mix-up on the packaging line", "late stability pull",
    "pressure differential alarm in the filling room", "unapproved change to a master batch record",
    "calibration overdue on a balance", "mislabelled reference standard",
)
SYSTEMS = ("MES", "LIMS", "Veeva Vault", "SAP", "TrackWise", "the eTMF", "the DMS",
           "the QMS", "Power BI", "SharePoint", "Argus Safety", "the LMS")
DOSAGE_SMALL = ("film-coated tablets", "hard capsules", "oral suspension",
                "prolonged-release tablets", "oral solution", "orodispersible tablets",
                "inhalation powder", "transdermal patch")
DOSAGE_BIO = ("solution for injection", "solution for injection in pre-filled syringe",
              "powder for concentrate for solution for infusion",
              "concentrate for solution for infusion", "pre-filled pen")
STRENGTH_SMALL = ("5 mg", "10 mg", "20 mg", "25 mg", "50 mg", "100 mg", "150 mg", "250 mg",
                  "500 mg")
STRENGTH_BIO = ("40 mg/0.4 mL", "100 mg/mL", "150 mg/mL", "200 mg", "300 mg", "20 mg/mL")

# INN-like product names: prefix + middle + stem.
INN_PREFIXES = ("vela", "toz", "ari", "belo", "cari", "dexo", "elra", "fami", "galo", "hexa",
                "ilo", "juvi", "kelo", "lumi", "mira", "nesto", "obra", "pela", "quila", "ravo",
                "selu", "teri", "ulvo", "vori", "zali", "abre", "cosa", "duro", "evo", "fila",
                "glen", "imbo", "lando", "moxa", "nira", "opta", "pravi", "roxa", "sima", "tala")
INN_MIDDLES = ("ri", "zi", "na", "lo", "ti", "ve", "xa", "mo", "ra", "ne", "in", "ta", "", "")
# stem, is a biologic
INN_STEMS = (("mab", True), ("nib", False), ("afil", False), ("gliflozin", False),
             ("tide", True), ("vir", False), ("stat", False), ("cept", True),
             ("sartan", False), ("ciclib", False), ("lisib", False), ("kinra", True),
             ("parin", True), ("olol", False))

LANGUAGES = ("Japanese", "Simplified Chinese", "German", "French", "Italian", "Malay")

# --- tags -----------------------------------------------------------------------------------

TAGS = (
    [(AGENCIES[a][2], "agency") for a in AGENCIES]
    + [("m1-regional", "ectd_module"), ("m2-summaries", "ectd_module"),
       ("m3-quality", "ectd_module"), ("m4-nonclinical", "ectd_module"),
       ("m5-clinical", "ectd_module")]
    + [(tag, "process_area") for _name, tag in PROCESSES]
    + [(t, "topic") for t in (
        "variations", "ind", "nda", "bla", "maa", "cta", "clinical-trials", "gmp", "gcp", "gdp",
        "biosimilars", "orphan-designation", "paediatrics", "ich-q9", "ich-q10", "ich-q12",
        "annex-1", "part-11", "ectd-publishing", "regulatory-strategy", "post-approval",
        "inspections", "new-starters", "medical-information", "translations", "templates")]
)

# --- courses --------------------------------------------------------------------------------

COURSES = [
    {
        "title": "Regulatory Foundations for New Starters",
        "function": "Regulatory Affairs", "mandatory": False,
        "tags": ["new-starters", "regulatory-strategy", "ind", "maa"],
        "summary": "How a medicine moves from first-in-human to approval and beyond, who the "
                   "health authorities are, and how Regulatory Affairs works with everyone else.",
        "lessons": [
            "How a medicine reaches patients: the regulatory lifecycle",
            "Who's who: FDA, EMA, PMDA, NMPA and the rest",
            "The Common Technical Document in one hour",
            "Clinical trial applications: IND and CTA",
            "Marketing applications: NDA, BLA and MAA",
            "Life after approval: variations and supplements",
            "Working with Regulatory Operations",
            "Your first 90 days: tools, SOPs and people",
        ],
        "points": [
            "Every submission is built on the **Common Technical Document**: five modules, one "
            "regional and four harmonised.",
            "A clinical trial needs permission first: an **IND** in the US, a **CTA** in most "
            "other regions.",
            "Marketing applications are an **NDA** or **BLA** at FDA and an **MAA** in the EU.",
            "Approval is not the end: every later change is filed as a variation or supplement.",
            "Health authority questions come in rounds; each round stops the review clock.",
            "The regulatory strategy decides which agencies get which data, and in what order.",
            "Labelling is a regulatory document: the SmPC and USPI are negotiated text.",
            "Commitments made in a dossier must be tracked until they are fulfilled.",
        ],
        "steps": [
            "Read the product's regulatory strategy document in Veeva Vault.",
            "Shadow a submission team meeting for a live variation.",
            "Walk through one approved dossier module by module with your buddy.",
            "Complete the eCTD Publishing Essentials course.",
            "Draft a cover letter for a practice Type IA variation and get feedback.",
            "Present one health authority's procedures at the team meeting.",
        ],
        "pitfalls": [
            "Assuming that what worked at FDA will work unchanged at PMDA or NMPA.",
            "Forgetting that a commitment in a response letter is binding.",
            "Editing a controlled template instead of starting from the current version.",
            "Sending data to an agency without Regulatory Operations' publishing check.",
            "Treating labelling as a marketing document.",
        ],
        "links": [("ICH guidelines overview", "https://www.ich.org/page/ich-guidelines"),
                  ("EMA human regulatory overview",
                   "https://www.ema.europa.eu/en/human-regulatory-overview")],
    },
    {
        "title": "eCTD Publishing Essentials",
        "function": "Regulatory Affairs", "mandatory": False,
        "tags": ["ectd-publishing", "m1-regional", "m2-summaries", "m3-quality"],
        "summary": "Structure, granularity and lifecycle of the electronic Common Technical "
                   "Document, and how to get a sequence through technical validation first time.",
        "lessons": [
            "eCTD structure: modules 1 to 5",
            "Granularity and document placement",
            "Lifecycle operations: new, replace, delete",
            "Regional Module 1 differences",
            "Validation criteria and common errors",
            "Hyperlinks, bookmarks and PDF standards",
            "Sequence planning for a variation",
            "Publishing checklist before dispatch",
        ],
        "points": [
            "Module 1 is regional; Modules 2 to 5 follow the ICH M4 structure everywhere.",
            "Each leaf document should cover one topic at the granularity ICH M4 describes.",
            "Use **replace**, not delete-and-new, so reviewers see the document history.",
            "Technical validation rejects a sequence before any scientist reads it.",
            "PDFs must be text-searchable, bookmarked and without security settings.",
            "Sequence numbers run on per application; never reuse one.",
            "The working documents in Vault are not the submission: the published sequence is.",
            "Cross-references between modules use hyperlinks that must survive publishing.",
        ],
        "steps": [
            "Agree the sequence content list with the submission lead.",
            "Check every document is approved and in the final PDF rendition.",
            "Build the sequence in the publishing tool against the correct baseline.",
            "Run the regional validation criteria and fix every error.",
            "Do a four-eyes review of the lifecycle operations.",
            "Dispatch through the agency gateway and file the acknowledgement.",
        ],
        "pitfalls": [
            "Placing stability data for the drug substance under 3.2.P instead of 3.2.S.7.",
            "Broken hyperlinks after a late document replacement.",
            "Scanned PDFs without text layers.",
            "Using the wrong Module 1 DTD version for the region.",
            "Forgetting to update the cover letter after the content list changed.",
        ],
        "links": [("FDA eCTD resources",
                   "https://www.fda.gov/drugs/electronic-regulatory-submission-and-review/"
                   "electronic-common-technical-document-ectd"),
                  ("ICH M4 (CTD) guideline", "https://www.ich.org/page/ctd")],
    },
    {
        "title": "Variations and Post-Approval Changes in the EU",
        "function": "Regulatory Affairs", "mandatory": False,
        "tags": ["variations", "post-approval", "ema", "change-control"],
        "summary": "Classifying, grouping and filing variations under the EU Variations "
                   "Regulation, from Type IA notifications to Type II assessments.",
        "lessons": [
            "The EU variations classification",
            "Type IA and IA(IN): do and tell",
            "Type IB: tell, wait and do",
            "Type II variations and the assessment timetable",
            "Grouping and worksharing",
            "Article 5 recommendations for unforeseen changes",
            "Documenting the change in Module 3",
            "Implementing an approved change on site",
        ],
        "points": [
            "**Type IA** changes are implemented first and notified within 12 months; "
            "**IA(IN)** needs immediate notification.",
            "**Type IB** is the default for minor changes not listed elsewhere: tell, wait 30 "
            "days, then do.",
            "**Type II** variations are assessed over a 60- or 90-day timetable with clock stops.",
            "Several changes can be grouped into one application when they are consequential.",
            "Worksharing lets one authority assess a change for several products or procedures.",
            "An Article 5 request settles the classification of an unforeseen change.",
            "The change control record is where the regulatory classification is documented.",
            "Nothing is implemented on site until the regulatory release is given.",
        ],
        "steps": [
            "Open a change control and describe the change precisely.",
            "Classify it against the variations guideline and record the conditions met.",
            "Agree grouping options with the other affected markets.",
            "Prepare the updated Module 3 sections and the comparison table.",
            "Submit and track the procedure timetable.",
            "Give the regulatory release to the site once approved.",
        ],
        "pitfalls": [
            "Missing one condition of a Type IA and ending up with a Type IB.",
            "Implementing before approval because the site calendar was fixed.",
            "Filing country by country when worksharing would have been faster.",
            "Forgetting the consequential change to the product information.",
            "No comparison table of present and proposed text.",
        ],
        "links": [("EMA variations guidance",
                   "https://www.ema.europa.eu/en/human-regulatory-overview/post-authorisation/"
                   "variations")],
    },
    {
        "title": "FDA Submissions: IND to NDA and BLA",
        "function": "Regulatory Affairs", "mandatory": False,
        "tags": ["fda", "ind", "nda", "bla"],
        "summary": "Meetings, applications and review clocks at FDA, from the first IND to "
                   "approval and the supplements that follow.",
        "lessons": [
            "Pre-IND meetings and what to ask",
            "Assembling the initial IND",
            "IND safety reporting and annual reports",
            "End-of-phase-2 and pre-NDA meetings",
            "NDA versus BLA: what differs",
            "PDUFA goal dates and the review clock",
            "Responding to information requests",
            "Post-approval supplements: PAS, CBE-30, CBE-0",
        ],
        "points": [
            "A trial may start **30 days** after FDA receives the IND unless a clinical hold is "
            "imposed.",
            "Type B meetings (pre-IND, end-of-phase-2, pre-NDA) need a briefing package weeks "
            "in advance.",
            "Small molecules are filed as an **NDA**, most biologics as a **BLA**.",
            "The filing decision comes at day 60; the PDUFA goal date follows from it.",
            "Information requests do not stop the clock, so answer them fast.",
            "A **Prior Approval Supplement** must be approved before the change is distributed.",
            "**CBE-30** changes can be distributed 30 days after FDA receives the supplement.",
            "Minor changes go into the **Annual Report**.",
        ],
        "steps": [
            "Request the meeting with specific questions, not topics.",
            "Draft the briefing package and align it with the clinical team.",
            "Compile Modules 2 to 5 and the FDA forms for Module 1.",
            "Run a mock filing review against the refuse-to-file checklist.",
            "Submit through the ESG and log the acknowledgement.",
            "Track information requests in the commitments tracker.",
        ],
        "pitfalls": [
            "Meeting questions too broad for FDA to answer with yes or no.",
            "Missing the 15-day safety report deadline.",
            "Choosing CBE-30 when the change really needs prior approval.",
            "Inconsistent data between Module 2 summaries and Module 5 reports.",
            "Not planning for a late-cycle meeting.",
        ],
        "links": [("FDA drug development and approval", "https://www.fda.gov/drugs"),
                  ("FDA guidance search",
                   "https://www.fda.gov/regulatory-information/search-fda-guidance-documents")],
    },
    {
        "title": "Regulatory Strategy in Asia Pacific",
        "function": "Regulatory Affairs", "mandatory": False,
        "tags": ["pmda", "nmpa", "hsa", "regulatory-strategy", "translations"],
        "summary": "Filing in Japan, China and Singapore: consultations, local data, Module 1 "
                   "specifics and how to plan simultaneous submissions.",
        "lessons": [
            "PMDA consultations and the Japanese NDA",
            "Japan-specific Module 1 and the application form",
            "NMPA registration pathways",
            "Local clinical data and bridging strategies",
            "HSA evaluation routes in Singapore",
            "Reliance pathways across ASEAN",
            "Translations and local labelling",
            "Planning simultaneous Asia filings",
        ],
        "points": [
            "PMDA consultations are formal, paid and minuted: prepare them like a submission.",
            "The Japanese Module 1 includes the application form and the Japanese package insert.",
            "NMPA may require local clinical data or a bridging study.",
            "HSA offers full, abridged and verification evaluation routes.",
            "Reliance routes can shorten review when a reference agency has approved.",
            "Translations are controlled documents and need qualified reviewers.",
            "Local agents or marketing authorisation holders sign many forms.",
            "Sample testing and import licences can gate launch timelines.",
        ],
        "steps": [
            "Map which reference approvals each route needs.",
            "Book PMDA and NMPA consultations early.",
            "Plan translations with the local affiliates.",
            "Agree the local data package with Clinical.",
            "Align labelling with the company core data sheet.",
            "Track local commitments after approval.",
        ],
        "pitfalls": [
            "Underestimating translation and back-translation time.",
            "Assuming a Western approval is enough for NMPA.",
            "Late booking of PMDA face-to-face consultations.",
            "Different pack sizes per market without a supply plan.",
            "Local labels drifting from the core data sheet.",
        ],
        "links": [("PMDA (English)", "https://www.pmda.go.jp/english/"),
                  ("HSA therapeutic products", "https://www.hsa.gov.sg/therapeutic-products")],
    },
    {
        "title": "GMP Basics for the Shop Floor",
        "function": "Manufacturing", "mandatory": True,
        "tags": ["gmp", "batch-release", "inspections", "annex-1"],
        "summary": "The good manufacturing practice every operator needs from day one: hygiene, "
                   "documentation, line clearance and speaking up.",
        "lessons": [
            "Why GMP exists",
            "Personal hygiene and gowning",
            "Good documentation practice",
            "Line clearance",
            "Recognising and reporting a deviation",
            "Cleaning and changeover",
            "Material flow and status labels",
            "Inspection readiness on the floor",
        ],
        "points": [
            "GMP protects patients: quality cannot be tested into a product afterwards.",
            "Record entries are made **at the time** of the activity, never from memory.",
            "Line clearance removes every material and document of the previous batch.",
            "Anything unexpected is reported the same shift as a possible deviation.",
            "Status labels tell everyone whether material is quarantined, released or rejected.",
            "Gowning follows the posted sequence for each cleanroom grade.",
            "Corrections are single-line strike-throughs with initials, date and reason.",
            "Inspectors talk to operators: know your SOPs and where to find them.",
        ],
        "steps": [
            "Check the room status and the previous line clearance.",
            "Verify materials against the batch record.",
            "Record each step as it is done.",
            "Report any discrepancy to the shift supervisor.",
            "Perform and document line clearance at the end.",
            "Hand over open issues at shift change.",
        ],
        "pitfalls": [
            "Pre-filling batch record entries.",
            "Correcting an entry with correction fluid or overwriting.",
            "Leaving labels of the previous batch on the line.",
            "Assuming someone else has reported the alarm.",
            "Shortcuts in gowning when the room is busy.",
        ],
        "links": [("EU GMP guidelines (EudraLex Volume 4)",
                   "https://health.ec.europa.eu/medicinal-products/eudralex/"
                   "eudralex-volume-4_en")],
    },
    {
        "title": "Deviation and CAPA Management",
        "function": "Quality", "mandatory": False,
        "tags": ["deviation-management", "capa", "ich-q10", "inspections"],
        "summary": "From the first report to an effective CAPA: impact assessment, root cause "
                   "analysis, classification and trending.",
        "lessons": [
            "What counts as a deviation",
            "Immediate actions and impact assessment",
            "Root cause analysis with 5 Whys and fishbone",
            "Classifying deviations: minor, major, critical",
            "Writing a CAPA that fixes the cause",
            "Effectiveness checks",
            "Trending deviations across sites",
            "Closing records on time",
        ],
        "points": [
            "A deviation is any departure from an approved instruction or established standard.",
            "Immediate actions contain the problem; they are not the fix.",
            "The impact assessment covers every batch that may be affected, not just this one.",
            "Human error is a symptom: ask why the error was possible.",
            "Classification drives the timelines and who must be informed.",
            "A CAPA needs an owner, a due date and a measurable effectiveness check.",
            "Trending across sites finds the systemic problems single records hide.",
            "Records open past their due date are an inspection finding in themselves.",
        ],
        "steps": [
            "Record the event in the QMS within one working day.",
            "Contain: quarantine affected material and inform QA.",
            "Assess the impact on product quality and on other batches.",
            "Investigate the root cause with the people who do the work.",
            "Define corrective and preventive actions.",
            "Verify effectiveness after an agreed period.",
        ],
        "pitfalls": [
            "Closing with \"operator retrained\" as the only action.",
            "Investigations that stop at the first plausible cause.",
            "No link between the CAPA and the root cause statement.",
            "Effectiveness checks that only confirm the action was done.",
            "Duplicated records for the same event at two sites.",
        ],
        "links": [("ICH Q10 Pharmaceutical Quality System",
                   "https://www.ich.org/page/quality-guidelines")],
    },
    {
        "title": "Data Integrity and ALCOA+",
        "function": None, "mandatory": True,
        "tags": ["data-integrity", "part-11", "gmp", "inspections"],
        "summary": "Why data must be attributable, legible, contemporaneous, original and "
                   "accurate, and what that means for paper, spreadsheets and systems.",
        "lessons": [
            "ALCOA+ explained",
            "Audit trails and their review",
            "Paper records and true copies",
            "Computerised system access and roles",
            "Spreadsheets and uncontrolled tools",
            "Data integrity in the QC laboratory",
            "Handling a data integrity finding",
            "Case studies from warning letters",
        ],
        "points": [
            "**ALCOA+**: attributable, legible, contemporaneous, original, accurate, plus "
            "complete, consistent, enduring and available.",
            "Shared log-ins make every record unattributable.",
            "Audit trails must be reviewed as part of the record, not only during audits.",
            "A true copy keeps content and meaning and is verified as such.",
            "Uncontrolled spreadsheets used for GMP decisions are a common finding.",
            "Test injections and trial runs outside the sequence are a red flag.",
            "Metadata is part of the data: keep it with the result.",
            "Anyone can raise a data integrity concern without fear of blame.",
        ],
        "steps": [
            "Identify the original record for each GMP result.",
            "Check user accounts are personal and roles are appropriate.",
            "Review audit trails at the frequency the SOP sets.",
            "Replace uncontrolled spreadsheets with validated tools.",
            "Report concerns through the speak-up route.",
            "Document the review in the batch or test record.",
        ],
        "pitfalls": [
            "Printing chromatograms and discarding the electronic data.",
            "Administrator rights for analysts.",
            "Backdating an entry to match the schedule.",
            "Deleting \"failed\" runs instead of investigating them.",
            "No review of system audit trails after changes.",
        ],
        "links": [("MHRA GxP data integrity guidance",
                   "https://www.gov.uk/government/publications/"
                   "guidance-on-gxp-data-integrity")],
    },
    {
        "title": "Good Distribution Practice and the Cold Chain",
        "function": "Supply Chain", "mandatory": False,
        "tags": ["gdp", "cold-chain", "serialisation", "supplier-qualification"],
        "summary": "Keeping medicines safe between the plant and the patient: qualified lanes, "
                   "excursions, serialisation and recalls.",
        "lessons": [
            "GDP principles",
            "Temperature-controlled shipping lanes",
            "Qualifying packaging and shippers",
            "Managing temperature excursions",
            "Importation and release testing",
            "Serialisation and falsified medicines",
            "Returns, recalls and product quarantine",
            "Supplier and carrier qualification",
        ],
        "points": [
            "Storage conditions on the label apply along the whole chain.",
            "Shipping lanes are qualified for the seasons and durations they will see.",
            "A temperature excursion is assessed against stability data before release.",
            "Data loggers are calibrated and their data is a GMP record.",
            "Serialisation lets pharmacists verify each pack before dispensing.",
            "Carriers are qualified suppliers with quality agreements.",
            "Recalls are rehearsed so the real one runs by the book.",
            "Returned goods stay quarantined until assessed.",
        ],
        "steps": [
            "Select a qualified lane and packaging configuration.",
            "Activate and place data loggers as the SOP shows.",
            "Monitor the shipment and escalate alerts.",
            "Download logger data on receipt.",
            "Assess any excursion with QA against stability data.",
            "Release or reject and document the decision.",
        ],
        "pitfalls": [
            "Loggers placed next to the cold packs.",
            "Summer lanes used in winter without requalification.",
            "Releasing product before the excursion assessment is complete.",
            "Unqualified subcontracted carriers.",
            "Serial numbers not decommissioned after a return.",
        ],
        "links": [("EU GDP guidelines",
                   "https://health.ec.europa.eu/medicinal-products/eudralex_en")],
    },
    {
        "title": "Pharmacovigilance Essentials",
        "function": "Medical Affairs", "mandatory": True,
        "tags": ["pharmacovigilance", "complaints", "clinical-trials"],
        "summary": "Recognising and reporting adverse events, individual case safety reports, "
                   "signals and periodic reports: what every employee must know.",
        "lessons": [
            "What is an adverse event",
            "Reporting timelines: 24 hours to the safety team",
            "Individual case safety reports",
            "Signal detection basics",
            "Periodic reports: PSUR and PBRER",
            "Risk management plans",
            "Safety information in the label",
            "Pharmacovigilance during clinical trials",
        ],
        "points": [
            "An adverse event is any untoward medical occurrence, related to the product or not.",
            "Every employee forwards adverse events to Drug Safety within **24 hours**.",
            "A valid case needs a patient, a reporter, a product and an event.",
            "Serious cases reach authorities within 15 days; fatal or life-threatening "
            "SUSARs within 7.",
            "Signals come from case series, literature and disproportionality analysis.",
            "The PBRER evaluates the benefit-risk balance at set intervals.",
            "The risk management plan lists safety concerns and how they are minimised.",
            "Label updates follow from confirmed signals.",
        ],
        "steps": [
            "Note the four minimum criteria.",
            "Forward to Drug Safety through the reporting mailbox or form.",
            "Do not investigate or contact the patient yourself.",
            "Answer follow-up questions from Drug Safety promptly.",
            "Keep the acknowledgement with your records.",
            "Complete this training every year.",
        ],
        "pitfalls": [
            "Waiting to collect complete information before forwarding.",
            "Assuming a known side effect need not be reported.",
            "Reporting through social media channels only.",
            "Missing events mentioned in passing in a complaint.",
            "Forgetting pregnancy exposure reports.",
        ],
        "links": [("EMA pharmacovigilance",
                   "https://www.ema.europa.eu/en/human-regulatory-overview/"
                   "pharmacovigilance-overview")],
    },
    {
        "title": "Change Control under ICH Q12",
        "function": "Quality", "mandatory": False,
        "tags": ["change-control", "ich-q12", "post-approval", "variations"],
        "summary": "Managing post-approval changes with established conditions, comparability "
                   "protocols and a product lifecycle management document.",
        "lessons": [
            "Change control in the pharmaceutical quality system",
            "Established conditions",
            "Post-approval change management protocols",
            "The product lifecycle management document",
            "Risk assessment for a change",
            "Regulatory impact assessment",
            "Change effectiveness review",
            "Worked example: a new API supplier",
        ],
        "points": [
            "**Established conditions** are the legally binding elements of the dossier.",
            "A PACMP agrees in advance how a future change will be assessed and filed.",
            "The PLCM document lists established conditions and their reporting categories.",
            "Risk assessment follows ICH Q9 and scales the effort to the risk.",
            "The regulatory impact assessment decides which markets need a filing.",
            "Changes are effective only when every market has approved or been notified.",
            "Effectiveness review confirms the change achieved its aim without side effects.",
            "Global changes need a market-by-market implementation plan.",
        ],
        "steps": [
            "Raise the change request with a clear rationale.",
            "Run the ICH Q9 risk assessment with the technical experts.",
            "Complete the regulatory impact assessment for every market.",
            "Execute the studies and prepare the filings.",
            "Implement market by market after approval.",
            "Review effectiveness and close the change.",
        ],
        "pitfalls": [
            "Treating the change control as a formality after the decision is made.",
            "Missing a market in the regulatory impact assessment.",
            "Implementing globally when only some markets have approved.",
            "No stability commitment for the changed process.",
            "Established conditions defined too broadly.",
        ],
        "links": [("ICH Q12", "https://www.ich.org/page/quality-guidelines")],
    },
    {
        "title": "Stability Programmes and Shelf-Life",
        "function": "R&D", "mandatory": False,
        "tags": ["stability", "m3-quality", "ich-q9"],
        "summary": "Designing stability studies to ICH Q1A, handling out-of-trend results and "
                   "presenting the data that supports a shelf-life claim.",
        "lessons": [
            "ICH Q1A in practice",
            "Designing a stability protocol",
            "Bracketing and matrixing",
            "Photostability and stress testing",
            "Out-of-trend and out-of-specification results",
            "Extrapolating shelf-life",
            "Stability commitments after approval",
            "Presenting stability data in Module 3",
        ],
        "points": [
            "Long-term conditions depend on the climatic zone of the target markets.",
            "Three primary batches at pilot scale or larger support the initial shelf-life.",
            "Bracketing and matrixing reduce testing when justified.",
            "Stress testing shows degradation pathways and validates the methods.",
            "An out-of-trend result is investigated even when within specification.",
            "Extrapolation beyond real-time data is limited and must be justified.",
            "Post-approval commitment batches continue on stability after launch.",
            "Drug substance data sits in 3.2.S.7, drug product data in 3.2.P.8.",
        ],
        "steps": [
            "Define the storage conditions for the target climatic zones.",
            "Write the protocol with pull points and tests.",
            "Place batches and confirm chamber mapping.",
            "Trend each attribute as results arrive.",
            "Investigate any out-of-trend result.",
            "Summarise and justify the shelf-life claim.",
        ],
        "pitfalls": [
            "Missing zone IVb conditions for tropical markets.",
            "Late pulls that are not documented as deviations.",
            "Extrapolating from accelerated data alone.",
            "Different analytical methods across time points without bridging.",
            "Stability summary tables inconsistent with the reports.",
        ],
        "links": [("ICH quality guidelines (Q1A-Q1F)",
                   "https://www.ich.org/page/quality-guidelines")],
    },
    {
        "title": "Process Validation Lifecycle",
        "function": "Manufacturing", "mandatory": False,
        "tags": ["validation", "cleaning-validation", "tech-transfer", "gmp"],
        "summary": "Process design, performance qualification and continued process "
                   "verification, with the statistics that make them convincing.",
        "lessons": [
            "Stage 1: process design",
            "Stage 2: process performance qualification",
            "Stage 3: continued process verification",
            "Critical process parameters and quality attributes",
            "Statistics for validation",
            "The validation master plan",
            "Revalidation triggers",
            "Documenting PPQ for the dossier",
        ],
        "points": [
            "Validation is a lifecycle, not three batches.",
            "Critical quality attributes come from the target product profile.",
            "Critical process parameters are the ones that move a CQA.",
            "PPQ confirms the commercial process at commercial scale.",
            "Continued process verification watches for drift during routine production.",
            "Sampling plans and acceptance criteria are set before PPQ starts.",
            "Major changes trigger an assessment of the need to revalidate.",
            "The dossier summarises PPQ in 3.2.P.3.5.",
        ],
        "steps": [
            "Define CQAs and link them to process parameters.",
            "Set the control strategy from development data.",
            "Write and approve the PPQ protocol.",
            "Execute PPQ batches with enhanced sampling.",
            "Report against the acceptance criteria.",
            "Start continued process verification.",
        ],
        "pitfalls": [
            "Acceptance criteria set after seeing the data.",
            "Too few samples to say anything statistically.",
            "No plan for stage 3 monitoring.",
            "Ignoring scale effects in tech transfer.",
            "PPQ batches made by the development team only.",
        ],
        "links": [("FDA process validation guidance",
                   "https://www.fda.gov/regulatory-information/search-fda-guidance-documents")],
    },
    {
        "title": "Medical Information and Scientific Exchange",
        "function": "Medical Affairs", "mandatory": False,
        "tags": ["medical-information", "pharmacovigilance", "labelling"],
        "summary": "Answering healthcare professionals' questions accurately and compliantly, "
                   "on label and off label.",
        "lessons": [
            "Answering unsolicited requests",
            "Off-label questions: what we can say",
            "Scientific slide decks and review",
            "Congress activities",
            "Medical science liaison interactions",
            "Product complaints in medical information",
            "Transparency and disclosure",
            "Working with local affiliates",
        ],
        "points": [
            "Only unsolicited questions may receive off-label information.",
            "Responses are balanced, referenced and non-promotional.",
            "Standard responses are reviewed by Medical and Regulatory before use.",
            "Adverse events and complaints in a request are forwarded within 24 hours.",
            "MSL interactions are documented in the CRM.",
            "Congress materials follow local codes of practice.",
            "Transfers of value to healthcare professionals are disclosed.",
            "Local affiliates adapt responses to the local label.",
        ],
        "steps": [
            "Log the request and confirm it is unsolicited.",
            "Check for adverse events or complaints.",
            "Use or adapt a standard response.",
            "Get medical review when the response is new.",
            "Send and document the response.",
            "Follow up if the requester asks.",
        ],
        "pitfalls": [
            "Proactive off-label discussion.",
            "Responses without references.",
            "Unreported adverse events in a request.",
            "Using global responses without checking the local label.",
            "Slide decks shared outside their approved use.",
        ],
        "links": [("EMA medicines information",
                   "https://www.ema.europa.eu/en/medicines")],
    },
]
COURSE_VARIANTS = ("{title}", "{title}: Practitioner Level", "{title}: Advanced Topics",
                   "{title} Refresher", "{title} for Managers", "{title}: {site} Site Edition",
                   "{title}: Case Clinic", "{title}: Self-Paced Edition")

LESSON_WHY = (
    "Getting {lesson_l} right is part of how {function_l} keeps our products available to "
    "patients. Assessors and inspectors from {agency} look for evidence that people understand "
    "the process, not only that an SOP exists.",
    "This lesson covers {lesson_l}. It is short, practical and based on questions colleagues "
    "at {site} and {site2} asked most often in the Q&A board.",
    "Most findings in our last inspections came from small gaps in everyday work. {lesson} is "
    "one of the places where those gaps appear, so it is worth ten minutes of your time.",
    "{company} files in more than forty markets. A shared understanding of {lesson_l} means a "
    "colleague in {site2} can pick up your work without re-doing it.",
    "When {lesson_l} goes wrong, the cost shows up months later as a question round, a "
    "deviation or a delayed launch. When it goes right, nobody notices, which is the point.",
)
LESSON_OUTCOME = (
    "By the end you should be able to explain the main steps to a new colleague and know where "
    "the controlled templates live.",
    "It takes about {mins} minutes. There is a short self-check at the end.",
    "You will find the SOP references at the bottom of the page.",
    "Work through it with a live example from your own area if you can.",
)
# (text, domain): "reg" fits regulatory lessons, "quality" the others, "any" both.
LESSON_EXAMPLE = (
    ("**Example.** Last year the {site} team filed a {vtype} variation for {product} {form} "
     "after a {change}. The first draft missed the updated {doc} in section {section}, and "
     "{agency} raised it at validation. Since then we check the document list against the "
     "change control before publishing.", "reg"),
    ("**Example.** For the {app_type} of {product}, the {function_l} team prepared the {doc} "
     "two weeks before the dossier lock. That left time for a four-eyes review and a clean "
     "technical validation at {agency}.", "reg"),
    ("**Example.** A {deviation} at {site} looked minor, but the impact assessment showed "
     "three other batches of {product} were exposed. Treating it as a system problem rather "
     "than a one-off avoided a repeat finding.", "quality"),
    ("**Example.** During an {agency} inspection at {site2}, the inspector picked one record of "
     "{process_l} and followed it from start to finish. Because every step was signed at the "
     "time it was done, the trail held up, and the topic closed in {n} minutes.", "quality"),
    ("**Example.** During the {agency} review of {product}, the assessor asked how {process_l} "
     "was controlled at {site2}. The answer came straight from the records described in this "
     "lesson, and the question round closed in {n} days.", "any"),
)
LESSON_REMEMBER = (
    "> **Remember:** if something looks wrong, say so early. A question on the Q&A board costs "
    "minutes; a finding costs months.",
    "> **Remember:** the controlled version in the document system always wins over a copy on "
    "your drive.",
    "> **Remember:** write it down when you do it, not afterwards.",
    "> **Remember:** ask Regulatory Affairs before you promise a date to anyone outside the "
    "company.",
)
LESSON_SELF_CHECK = (
    "Where is the current template kept?",
    "Who signs off before anything leaves the company?",
    "What would you do if the data did not support the plan?",
    "Which record proves the step was done, and by whom?",
    "Which markets are affected, and how would you find out?",
    "What changes if the product is a biologic?",
)
REVISION_UPDATES = (
    ("## What changed\n\n{agency} updated its guidance on {process_l}. The steps above "
     "reflect the new expectations; the main change is earlier notification.",
     "Updated for the latest {agency} guidance", "any"),
    ("## Another example\n\nIn the {product} {app_type}, {agency} asked for the {doc} in "
     "section {section} to be split by manufacturing site. Plan the granularity before "
     "you author.",
     "Added a worked example from the {product} {app_type}", "reg"),
    ("## Another example\n\nAt {site2}, a {deviation} turned out to be linked to "
     "{process_l}. The investigation found the instruction ambiguous; the step above now says "
     "exactly who checks what.",
     "Added an example from {site2}", "quality"),
    ("## Quick check\n\n- {check1}\n- {check2}",
     "Added a short self-check", "any"),
    ("## Who to ask\n\nQuestions go to the {function} training lead or the Q&A board under the "
     "*{tag}* tag. For urgent questions, contact the process owner directly.",
     "Added contacts and the Q&A tag", "any"),
    ("## Note for {site}\n\nAt {site} the local SOP adds one step: the site quality head "
     "countersigns before the record is closed.",
     "Clarified the {site} sign-off step", "any"),
)
REVISION_SUMMARY_FIRST = ("First version", "Initial draft", "First version for review")

# (kind, summary, text, domain). For an example the text is the paragraph to add. For an edit
# it says what changes in the lesson: a key point to add ("- ..."), a link to put in place of
# the first one under Further reading ("https://..."), or "" to drop the last key point.
PROPOSALS = (
    ("example", "Add an example for a {vtype} variation",
     "**Example from my team:** we filed a {vtype} for a {change} on {product}. The key was "
     "attaching the comparison table to the cover letter.", "reg"),
    ("edit", "Fix the outdated link to the {agency} guidance", "{link}", "any"),
    ("edit", "Clarify who signs off the {doc}",
     "- The **{function} lead** signs off the {doc}, not its author.", "reg"),
    ("example", "Add a {site} example for {process_l}",
     "At {site} we handle {process_l} with a checklist in {docsys}. It has caught missing "
     "signatures twice this year.", "quality"),
    ("edit", "Mention the {agency} timeline",
     "- {agency} usually takes about {n} weeks for this step; plan for it.", "reg"),
    ("edit", "Correct the eCTD section for the {doc}",
     "- The {doc} belongs in section **{section}** of the dossier.", "reg"),
    ("example", "Add the {deviation} case from last quarter",
     "We had a {deviation} at {site}. The impact assessment found two more batches affected, "
     "which is exactly why the second step matters.", "quality"),
    ("edit", "Point to the current SOP for {process_l}",
     "- The SOP for {process_l} was re-issued this year: always open it from {docsys}.",
     "quality"),
    ("example", "Add the {agency} Module 1 checklist",
     "Our affiliate at {site2} keeps a one-page checklist of the {agency} Module 1 documents. "
     "Linking it here would save new colleagues a lot of searching.", "reg"),
    ("edit", "Simplify the key points list", "", "any"),
)
LENA_PROPOSAL = (
    "example", "Add a Swissmedic example to the agency overview",
    "**Example from Basel:** Swissmedic can use the *procedure with prior notification* when a "
    "product is already approved by a reference agency. It would help new starters to see how "
    "that compares with EMA and FDA timelines.",
)
PROPOSAL_REJECT_REASONS = (
    "Thanks; this is covered in the next lesson, so I would rather not repeat it here.",
    "The example names a live investigation; we cannot publish it yet.",
    "The current link is still correct; the page you found is an archived copy.",
    "Good point, but it varies by market; we will handle it in the regional lessons.",
    "This conflicts with the SOP in force; please raise it through change control first.",
)

# --- questions and answers ---------------------------------------------------------------

# Each template: titles, body openers (the question in context), answer leads and tags.
QUESTION_TEMPLATES = (
    {
        "domain": "reg",
        "titles": ("How do we handle a {vtype} variation for a {change}?",
                   "Is a {vtype} enough for a {change} on {product}?"),
        "agencies": ("EMA", "MHRA", "Swissmedic"),
        "body": ("We are planning a **{change}** for {product} {form}. {site} thinks it is a "
                 "{vtype}, but the conditions in the guideline are not obvious to me.",
                 "Has anyone filed this kind of change recently? I would like to know which "
                 "Module 3 sections you updated and how long the procedure took."),
        "answers": ("For a {change} we filed a **{vtype}** and grouped it with the consequential "
                    "changes, which saved a second procedure.",
                    "Check each condition in the classification guideline one by one; if even "
                    "one is not met, it moves up a category.",
                    "We did exactly this for another product: the procedure took {n} weeks "
                    "and {agency} asked one question about the batch data."),
        "tags": ("variations", "{module_tag}", "change-control", "{agency_tag}"),
    },
    {
        "domain": "reg",
        "titles": ("Which eCTD module holds the {doc} for a {app_type}?",
                   "Where does the {doc} go in the eCTD for the {product} {app_type}?"),
        "body": ("I am putting together the content plan for the {product} {app_type} and I am "
                 "not sure where the **{doc}** belongs.",
                 "Our template has two candidate sections and I would like to get it right "
                 "before Regulatory Operations builds the sequence."),
        "answers": ("The {doc} goes in **section {section}**, which is part of {module_name}.",
                    "It belongs in {section} ({module_name}); the summary of it goes into "
                    "Module 2.",
                    "Put it in **{section}**. If you have data for several sites, split the "
                    "document by site rather than making one large file."),
        "tags": ("{module_tag}", "ectd-publishing", "{app_tag}"),
    },
    {
        "domain": "reg",
        "titles": ("What does {agency} expect in the regional Module 1 for a {app_type}?",
                   ("What does PMDA expect in the Japanese-specific Module 1?", ("PMDA",))),
        "body": ("We have filed the {product} dossier in Europe and the US and are now "
                 "preparing for {agency}.",
                 "Which Module 1 documents are specific to them, and are there forms that need "
                 "a local signatory?"),
        "answers": ("{agency} has its own Module 1 specification; start from the current "
                    "version of their regional guidance, not from the EU structure.",
                    "The local application form and the translated product information are the "
                    "parts that take longest; plan them first.",
                    "Our affiliate in {site2} keeps a checklist of the {agency} Module 1 "
                    "documents; ask them for the latest copy."),
        "tags": ("m1-regional", "{agency_tag}", "regulatory-strategy"),
    },
    {
        "domain": "reg",
        "titles": ("How long does {agency} usually take to validate a {app_type}?",
                   "Typical {agency} validation time for a {app_type}?"),
        "body": ("Project management wants a date for the start of the {agency} review of "
                 "{product}.",
                 "What have you seen recently between submission and validation?"),
        "answers": ("In our last three {app_type} filings {agency} validated in **{n} to "
                    "{n2} weeks**.",
                    "Plan for about {n} weeks, and add time if the dossier needs a technical "
                    "re-submission.",
                    "Validation itself is quick; the delay usually comes from missing Module 1 "
                    "documents."),
        "tags": ("{agency_tag}", "{app_tag}", "regulatory-strategy"),
    },
    {
        "domain": "reg",
        "titles": ("How do we respond to {agency} questions on the {doc}?",
                   "{agency} list of questions on {product}: how do we structure the answers?"),
        "body": ("We received the {agency} list of questions for {product}. Several are about "
                 "the **{doc}**.",
                 "Should the response repeat the data or refer to an updated section?"),
        "answers": ("Answer each question directly, then point to the updated **{section}** "
                    "rather than pasting the data into the response.",
                    "Keep the response document short and make the dossier the single source: "
                    "update {section} and list the changes in a table.",
                    "Agree the wording of any commitment with the {function} lead before it "
                    "goes out; commitments are binding."),
        "tags": ("{agency_tag}", "{module_tag}", "{app_tag}"),
    },
    {
        "domain": "reg",
        "titles": (("What is the difference between a {vtype} and a {vtype2} variation?",
                    ("EMA", "MHRA", "Swissmedic")),
                   ("When is a change a {us_supp} rather than a CBE-30?", ("FDA",))),
        "body": ("I keep mixing up the categories. A short explanation with an example "
                 "would help the whole team at {site}.",
                 "Is there a quick way to decide before the change control meeting?"),
        "answers": ("A **Type IA** is do-and-tell, a **Type IB** is tell-wait-and-do, and a "
                    "**Type II** needs approval before implementation.",
                    "In the US, a **Prior Approval Supplement** needs approval first, a "
                    "**CBE-30** can be distributed 30 days after receipt and minor changes go "
                    "in the **Annual Report**.",
                    "The classification guideline lists conditions for each change; the first "
                    "condition you cannot meet decides the category."),
        "tags": ("variations", "post-approval", "{agency_tag}"),
    },
    {
        "domain": "quality",
        "titles": ("How should we document a {deviation} found during {process_l}?",
                   "Is a {deviation} a major deviation?"),
        "body": ("We had a **{deviation}** at {site} this week during {process_l}.",
                 "The product was not released yet. What classification and investigation "
                 "depth do you expect?"),
        "answers": ("Record it in the QMS within one working day and quarantine anything that "
                    "may be affected.",
                    "Classification depends on the potential impact on product quality; if "
                    "released batches could be affected, treat it as **major** until shown "
                    "otherwise.",
                    "Look at the trend: if this is the third {deviation} this year, the root "
                    "cause is probably systemic."),
        "tags": ("deviation-management", "{process_tag}", "gmp"),
    },
    {
        "domain": "quality",
        "titles": ("What is a good CAPA effectiveness check after a {deviation}?",),
        "body": ("Our CAPA after a {deviation} was closed, but QA asked for an effectiveness "
                 "check.",
                 "What measurable criteria have worked for you?"),
        "answers": ("Define a measurable criterion up front, for example **no recurrence in "
                    "{n} consecutive batches**.",
                    "The check must test whether the cause is gone, not whether the action was "
                    "done.",
                    "Trend the same deviation category across all sites for six months."),
        "tags": ("capa", "deviation-management", "ich-q10"),
    },
    {
        "domain": "reg",
        "agencies": ("FDA", "EMA", "PMDA", "Health Canada", "MHRA", "Swissmedic"),
        "titles": ("When does a {change} need a comparability protocol?",
                   "Can we use a PACMP for the {change} on {product}?"),
        "body": ("We expect to repeat the **{change}** for several products over the next two "
                 "years.",
                 "Would agreeing a comparability protocol with {agency} first save time?"),
        "answers": ("A protocol pays off when the same change will be made several times: "
                    "agree the studies once, then file at a lower category.",
                    "ICH Q12 calls this a **PACMP**; {agency} accepts them, but the first "
                    "approval takes as long as a normal variation.",
                    "Define the acceptance criteria precisely; vague criteria lead to questions "
                    "later."),
        "tags": ("ich-q12", "change-control", "{agency_tag}"),
    },
    {
        "domain": "reg",
        "titles": ("Where do I find the current template for the {doc}?",
                   "Is there a template for the {doc} in {docsys}?"),
        "body": ("I am new in {function} at {site} and need to prepare a **{doc}**.",
                 "The copy on the team drive looks old. Where is the controlled version?"),
        "answers": ("The controlled template is in **{docsys}** under {function} templates; "
                    "never start from a copy on the team drive.",
                    "Search {docsys} for the document type and filter on *effective*.",
                    "Ask your buddy to walk you through the last approved {doc} for a similar "
                    "product."),
        "tags": ("templates", "{module_tag}", "new-starters"),
    },
    {
        "domain": "reg",
        "titles": ("How do we bridge stability data between {site} and {site2}?",
                   "Can {site} stability batches support a shelf-life for {site2} product?"),
        "body": ("{product} {form} will also be made at {site2}. The registration batches came "
                 "from {site}.",
                 "Do we need new real-time data before the site can be added?"),
        "answers": ("Usually you need at least **three months of accelerated and real-time "
                    "data** from the new site, plus a commitment to continue.",
                    "Show comparability of the process first; the stability argument builds on "
                    "it.",
                    "Stability data for the new site goes into **3.2.P.8**, with a clear "
                    "cross-reference to the original batches."),
        "tags": ("stability", "m3-quality", "tech-transfer"),
    },
    {
        "domain": "reg",
        "titles": ("Which shelf-life can we claim with {months} months of real-time data for "
                   "{product}?",),
        "body": ("We have {months} months of long-term data on three primary batches of "
                 "{product} {form} and no significant change at accelerated conditions.",
                 "How far can we extrapolate?"),
        "answers": ("Under ICH Q1E you can often extrapolate to **up to twice the real-time "
                    "data, but not more than 12 months beyond it**.",
                    "Extrapolation needs statistical support if there is any trend.",
                    "Include a commitment to continue the studies and report the results."),
        "tags": ("stability", "m3-quality"),
    },
    {
        "domain": "quality",
        "titles": ("Does {agency} accept electronic signatures on the {doc}?",),
        "agencies": ("FDA", "EMA", "MHRA", "Swissmedic", "Health Canada"),
        "body": ("We would like to stop wet-ink signatures for the {doc}.",
                 "Is a validated e-signature accepted, and what do we need to show?"),
        "answers": ("Yes, if the system is validated and the signature is linked to the record, "
                    "as **21 CFR Part 11** and EU GMP Annex 11 require.",
                    "Keep the signature manifestation with the printed name, date and meaning.",
                    "Some Module 1 forms still need a wet-ink or qualified signature; check the "
                    "regional guidance."),
        "tags": ("part-11", "data-integrity", "{agency_tag}"),
    },
    {
        "domain": "quality",
        "titles": ("What training do I need before I can do {process_l} at {site}?",),
        "body": ("I have moved to {site} and will be involved in **{process_l}**.",
                 "Which courses are mandatory before I am allowed to sign records?"),
        "answers": ("Complete the site's mandatory GMP and data integrity courses first, then "
                    "the SOP-specific training for {process_l}.",
                    "Your manager assigns the curriculum in **the LMS**; ask them to check it "
                    "is complete.",
                    "You can observe straight away but only sign once the training record is "
                    "complete."),
        "tags": ("gmp", "{process_tag}", "new-starters"),
    },
    {
        "domain": "reg",
        "titles": ("How do we keep the {doc} in sync between {agency} and {agency2}?",),
        "body": ("The {doc} for {product} has drifted between regions after the last variation.",
                 "How do other teams keep one source of truth?"),
        "answers": ("Keep one **core document** and track regional deviations from it in a "
                    "table.",
                    "Every change control should list the markets affected; that is where "
                    "drift starts.",
                    "Regulatory Intelligence can flag when {agency2} guidance diverges."),
        "tags": ("{agency_tag}", "{module_tag}", "post-approval"),
    },
    {
        "domain": "quality",
        "titles": ("Is a cold chain excursion of {n} hours at 12 °C a deviation?",
                   "Can QA release {product} after {n} hours at 12 °C in transit?"),
        "body": ("A shipment of {product} {form} to {site2} shows **{n} hours at 12 °C** on the "
                 "logger. The label says store at 2-8 °C.",
                 "Can QA release it on the basis of the stability data?"),
        "answers": ("Yes, it is a deviation; whether the product can be released depends on the "
                    "excursion studies in the stability data.",
                    "Check the cumulative time out of refrigeration across the product's whole "
                    "life, not just this shipment.",
                    "Quarantine the shipment until QA signs the assessment."),
        "tags": ("cold-chain", "gdp", "deviation-management"),
    },
    {
        "domain": "reg",
        "titles": ("How do we handle an {agency} clock stop during the {product} {app_type}?",),
        "body": ("{agency} stopped the clock on the {product} {app_type} with questions on the "
                 "{doc}.",
                 "How long can we take, and can we ask for an extension?"),
        "answers": ("The default clock stop is usually three months; longer extensions need a "
                    "justified request.",
                    "Agree the response plan in the first week and book publishing slots early.",
                    "If new data is needed, ask for a clarification meeting before you run "
                    "studies."),
        "tags": ("{agency_tag}", "{app_tag}"),
    },
    {
        "domain": "quality",
        "titles": ("How do I raise a change control for a {change}?",),
        "body": ("The {site} team wants a **{change}** for {product}.",
                 "What has to be in the change request so Regulatory can assess it?"),
        "answers": ("Describe the current and proposed state precisely, and attach the "
                    "technical justification.",
                    "List every product and market affected so the regulatory impact "
                    "assessment is complete.",
                    "Regulatory Affairs classifies the change; do not guess the category in the "
                    "request."),
        "tags": ("change-control", "{process_tag}"),
    },
    {
        "domain": "quality",
        "titles": ("What evidence does an inspector expect for {process_l}?",),
        "body": ("We have a {agency} inspection at {site} in {n} weeks.",
                 "For **{process_l}**, which records do inspectors usually ask to see?"),
        "answers": ("Expect to show the SOP, the training records of the people who do the work "
                    "and a sample of completed records.",
                    "Inspectors often pick one record and follow it end to end, including "
                    "linked deviations and CAPAs.",
                    "Make sure the audit trail review for {process_l} is documented."),
        "tags": ("inspections", "{process_tag}", "{agency_tag}"),
    },
    {
        "domain": "reg",
        "titles": ("Do we need local clinical data for {agency} for {product}?",),
        "agencies": ("PMDA", "NMPA", "HSA"),
        "body": ("{product} is approved in the US and EU. We plan to file with **{agency}** "
                 "next year.",
                 "Will they require local data or a bridging study?"),
        "answers": ("It depends on ethnic sensitivity of the pharmacokinetics; ICH E5 is the "
                    "framework.",
                    "Ask in a consultation meeting early; the answer drives the timeline more "
                    "than anything else.",
                    "Reliance routes may shorten the review but rarely remove data "
                    "requirements."),
        "tags": ("{agency_tag}", "clinical-trials", "regulatory-strategy"),
    },
    {
        "domain": "reg",
        "titles": ("How do we translate the product information for {agency}?",),
        "agencies": ("PMDA", "NMPA", "Swissmedic"),
        "body": ("We need the {product} product information in {language} for {agency}.",
                 "Who reviews the translation, and how do we control versions?"),
        "answers": ("Use a qualified translation vendor and have a native-speaking "
                    "regulatory colleague review it.",
                    "Keep the translation as a controlled document linked to the English "
                    "source version.",
                    "Check the agency's terminology list; some terms have mandated "
                    "translations."),
        "tags": ("translations", "labelling", "{agency_tag}"),
    },
    {
        "domain": "pv",
        "titles": ("How do we report an adverse event mentioned in a {process_l} record?",),
        "body": ("While working on {process_l} I found a customer email that mentions a "
                 "patient being unwell after taking {product}.",
                 "Who do I forward it to, and how quickly?"),
        "answers": ("Forward it to **Drug Safety within 24 hours**, even if the information is "
                    "incomplete.",
                    "Do not contact the patient yourself; Drug Safety follows up.",
                    "Keep the acknowledgement; it proves the timeline was met."),
        "tags": ("pharmacovigilance", "complaints"),
    },
)
# Sentences that fit any question of a domain; answers add one to three of them.
ANSWER_GENERIC = {
    "reg": (
        "Check the latest {agency} guidance before you commit to a timeline.",
        "In our last {app_type} this took about {n} weeks end to end.",
        "Make sure the cover letter spells out the scope, so the assessor does not have to "
        "guess.",
        "If in doubt, ask {agency} for a short clarification call; they have been helpful on "
        "procedural questions.",
        "Keep the justification short and point to the data in **{section}** rather than "
        "repeating it.",
        "Do not forget to update the {doc} in every region where {product} is registered.",
        "Regulatory Operations can pre-check the sequence for validation errors before "
        "dispatch.",
        "We keep the commitments from that procedure in **{docsys}**, which made the follow-up "
        "easy.",
        "The Regulatory Foundations course has a lesson on this that is worth a look.",
        "Talk to the submission lead for {product} first; they may already have a plan.",
        "Happy to share our last submission as an example; send me a message.",
    ),
    "quality": (
        "At {site} we log this in **{qms}** first and let QA decide the classification.",
        "Our SOP on {process_l} has a decision tree for exactly this situation.",
        "This came up in the last inspection at {site2} as well.",
        "I would involve the QA lead early; they have to sign the assessment anyway.",
        "Talk to the people who do the work before you write the root cause.",
        "Keep the evidence with the record; inspectors rarely accept it from someone's inbox.",
        "The Deviation and CAPA Management course walks through a similar case.",
        "Check whether other sites had the same event; a shared CAPA saves effort.",
        "Happy to share our last investigation report as an example; send me a message.",
    ),
    "pv": (
        "Drug Safety would rather have an incomplete report on time than a complete one late.",
        "The Pharmacovigilance Essentials course covers the timelines in detail.",
        "If the email also mentions a quality problem with the product, copy the complaints "
        "mailbox too.",
        "Never wait for the patient's details; Drug Safety does the follow-up.",
    ),
}
ANSWER_LISTS = {
    "reg": (
        "What worked for us:\n\n1. Raise the change control in the QMS.\n2. Get the "
        "regulatory impact assessment signed.\n3. Prepare the updated {section} documents.\n"
        "4. Publish and dispatch with a clear cover letter.",
        "Checklist:\n\n- Current and proposed text side by side\n- Batch data for the changed "
        "process\n- Updated {doc}\n- Commitments tracked in {docsys}",
        "Things {agency} asked us about last time:\n\n- the justification for the "
        "classification\n- the number of batches\n- whether the {doc} was updated",
    ),
    "quality": (
        "Steps:\n\n1. Quarantine what may be affected.\n2. Assess the impact on released "
        "batches.\n3. Investigate the root cause.\n4. Define CAPAs with owners and due dates.",
        "What we check before closing:\n\n- root cause stated and backed by evidence\n- CAPA "
        "owner and due date\n- effectiveness criterion defined\n- linked change controls "
        "closed",
    ),
    "pv": (
        "The minimum for a valid case:\n\n- an identifiable patient\n- a reporter\n- a "
        "suspect product\n- an adverse event",
    ),
}
ANSWER_LINKS = {
    "reg": (
        "See the [{agency} guidance]({agency_link}) for the details.",
        "The [EMA variations page](https://www.ema.europa.eu/en/human-regulatory-overview/"
        "post-authorisation/variations) has the classification guideline.",
        "FDA's [guidance search](https://www.fda.gov/regulatory-information/"
        "search-fda-guidance-documents) is the quickest way to find the current version.",
        "The [ICH M4 pages](https://www.ich.org/page/ctd) describe the CTD structure.",
    ),
    "quality": (
        "The [ICH quality guidelines](https://www.ich.org/page/quality-guidelines) (Q9 and Q10) "
        "cover the principles.",
        "[EudraLex Volume 4](https://health.ec.europa.eu/medicinal-products/eudralex/"
        "eudralex-volume-4_en) has the EU GMP text.",
        "PIC/S publishes useful [guidance documents](https://picscheme.org/en/publications).",
    ),
    "pv": (
        "The [ICH E2 guidelines](https://www.ich.org/page/efficacy-guidelines) define the "
        "reporting standards.",
    ),
}

COMMENTS = (
    "Thanks, this saved me a call to {agency}.",
    "We hit the same issue at {site} last quarter.",
    "Could you add the link to the SOP?",
    "Note that {agency} updated its guidance on this recently.",
    "+1, the {doc} template is in {docsys}.",
    "Good summary. I would add that the {function_l} lead must sign off.",
    "Is this the same for {agency2}?",
    "Following; we have a similar case for {product}.",
    "This is exactly what the auditor asked us last month.",
    "Agreed. The classification is the part people get wrong most often.",
    "Can we make this part of the onboarding checklist?",
    "Small correction: the section is {section}.",
    "Very helpful, thank you!",
    "We tried this at {site2} and it cut the review time noticeably.",
    "Worth adding to the Regulatory Foundations course.",
    "Does anyone know whether this applies to biologics too?",
)
REPLIES = (
    "Yes, same rules in our experience.",
    "Good question; I will check with Regulatory and come back.",
    "Done, the link is in the post now.",
    "Not quite: for {agency2} the timeline is longer.",
    "Thanks for the correction.",
    "We did, and it worked.",
)

# --- suggestion box -----------------------------------------------------------------------

# (title, category, kind, phrasing) - phrasing "verb" or "noun" to build duplicates
SUGGESTIONS = (
    ("Pre-fill batch record headers from MES", "Manufacturing", "idea", "verb"),
    ("Shared glossary for EMA and FDA terminology", "Regulatory", "idea", "noun"),
    ("Automate the eCTD validation report summary", "Regulatory", "idea", "verb"),
    ("Single dashboard for open deviations across sites", "Quality", "idea", "noun"),
    ("Electronic logbooks for cleanroom equipment", "Manufacturing", "idea", "noun"),
    ("Move CAPA effectiveness checks to e-signature", "Quality", "idea", "verb"),
    ("Standard response library for PMDA questions", "Regulatory", "idea", "noun"),
    ("Cold chain excursion decision tree on the intranet", "Supply Chain", "idea", "noun"),
    ("Too many manual re-entries between LIMS and SAP", "IT", "problem", "noun"),
    ("Training matrix is out of date after reorganisations", "Training", "problem", "noun"),
    ("Reuse stability summaries across regional dossiers", "R&D", "idea", "verb"),
    ("Buddy programme for new starters in Regulatory Affairs", "Training", "idea", "noun"),
    ("Calendar of health authority holidays and clock stops", "Regulatory", "idea", "noun"),
    ("Label artwork reviews take too many loops", "Regulatory", "problem", "noun"),
    ("Barcode scanning for raw material dispensing", "Manufacturing", "idea", "noun"),
    ("Shorter SOPs with flowcharts on the first page", "Quality", "idea", "noun"),
    ("Translate GMP basics into Japanese and Chinese", "Training", "idea", "verb"),
    ("Track health authority commitments in one place", "Regulatory", "idea", "verb"),
    ("Carrier performance scorecard for temperature-controlled lanes", "Supply Chain",
     "idea", "noun"),
    ("Meeting rooms at Basel have no video equipment", "Other", "problem", "noun"),
    ("Automatic reminder before stability pull dates", "R&D", "idea", "noun"),
    ("Quarterly lessons-learned session after each major submission", "Regulatory",
     "idea", "noun"),
    ("Printer queues slow down batch record printing", "IT", "problem", "noun"),
    ("Template for Article 5 classification requests", "Regulatory", "idea", "noun"),
)
SUGGESTION_TEMPLATES = (
    ("Automate {task} in {system}", "IT", "idea", "verb"),
    ("Pre-fill the {doc} from {system}", "Regulatory", "idea", "verb"),
    ("Shared {artefact} for {agency} and {agency2} submissions", "Regulatory", "idea", "noun"),
    ("Single view of {metric} across all sites", "Quality", "idea", "noun"),
    ("Move {process_l} sign-off to e-signature", "Quality", "idea", "verb"),
    ("Translate the {course} course into {language}", "Training", "idea", "verb"),
    ("{process_c} at {site} depends on paper forms", "Manufacturing", "problem", "noun"),
    ("Reduce hand-offs in {process_l}", "Quality", "idea", "verb"),
    ("Checklist for {change} filings", "Regulatory", "idea", "noun"),
    ("Clearer ownership of {process_l} between {site} and {site2}", "Supply Chain", "problem",
     "noun"),
    ("Reuse {doc} content across {agency} and {agency2} dossiers", "Regulatory", "idea",
     "verb"),
    ("Micro-learning videos on {process_l}", "Training", "idea", "noun"),
    ("Data loggers for {site} lanes read automatically", "Supply Chain", "idea", "noun"),
    ("Duplicate data entry between {system} and {system2}", "IT", "problem", "noun"),
    ("Faster review of {doc} drafts", "R&D", "idea", "noun"),
    ("Mentoring circle for {function} colleagues", "Training", "idea", "noun"),
)
SUGGESTION_TASKS = ("the weekly deviation report", "training assignment for new starters",
                    "stability pull reminders", "the submission tracker update",
                    "label proof comparison", "batch record review", "commitment tracking",
                    "supplier certificate checks", "logger data download")
SUGGESTION_ARTEFACTS = ("glossary", "question bank", "template library", "response library",
                        "timeline calculator", "document checklist")
SUGGESTION_METRICS = ("open deviations", "overdue CAPAs", "training compliance",
                      "submission timelines", "stability pulls", "supplier audits")
SUGGESTION_PROBLEMS = {
    "Manufacturing": (
        "Operators at {site} re-type the same data into {n} forms for every batch.",
        "Batch record review takes {n} days because corrections come back late.",
        "Mistakes here have caused at least {n} deviations in the last year.",
    ),
    "Supply Chain": (
        "Shipments wait at {site} while someone downloads logger data by hand.",
        "Every site keeps its own lane list, so each excursion assessment starts from scratch.",
        "Unclear ownership delayed {n} shipments last year.",
    ),
    "Regulatory": (
        "Each submission team rebuilds the same content, which costs about {n} days per "
        "sequence.",
        "Terminology differs between regions and new colleagues get confused.",
        "Questions from health authorities on the same topic get different answers from "
        "different teams.",
    ),
    "R&D": (
        "Development reports wait {n} weeks for review.",
        "Scientists spend {n} hours a week formatting documents instead of doing science.",
    ),
    "Quality": (
        "The current process needs {n} signatures and the records wait in inboxes.",
        "Inspectors asked about this twice last year.",
        "We keep finding inconsistencies between sites because everyone keeps their own "
        "version.",
    ),
    "Training": (
        "New colleagues take weeks to learn where things are.",
        "The material exists only in English, which slows down colleagues at {site}.",
        "People repeat courses because their training records are out of date.",
    ),
    "IT": (
        "Today this takes {n} hours a week at {site}, mostly copying data by hand.",
        "Two systems hold the same data and they disagree about once a week.",
    ),
    "Other": (
        "This costs many colleagues at {site} time every week.",
    ),
}
SUGGESTION_PROPOSALS = (
    "I suggest we set it up once centrally and let each site adapt it.",
    "A small pilot at {site} for {n} weeks would show whether it works.",
    "{system} already has most of the data; we only need a report.",
    "The {function} team at {site2} has a working version we could reuse.",
    "It would also help the training of new starters.",
)
SUGGESTION_BENEFITS = (
    "Saves about {n} hours per week for {function} at {site}.",
    "Fewer transcription errors and deviations.",
    "Faster onboarding of new colleagues.",
    "Shorter submission preparation, by roughly {n} days per sequence.",
    "Better inspection readiness across sites.",
    "Consistent answers to health authorities in every region.",
)
RESPONSES = {
    "declined": (
        "Thank you. We looked at this carefully, but the validation effort outweighs the "
        "benefit for now. We will revisit it with the {system} upgrade.",
        "Declined for now: the same need is covered by the global {system} project starting "
        "next year.",
        "We cannot do this without changing a validated process at every site; the cost is too "
        "high this year. Thanks for raising it.",
        "Not possible under current local regulations at {site}. We have recorded the idea for "
        "the next SOP review.",
    ),
    "planned": (
        "Approved for the next planning cycle. {owner} will lead it.",
        "Good idea. It is in the roadmap for next quarter.",
    ),
    "in_progress": (
        "A pilot is running at {site}; first results in {n} weeks.",
        "Work has started with the {function} team.",
    ),
    "implemented": (
        "Live at all sites since last month. Thank you for the idea!",
        "Implemented at {site}; other sites follow in the next release.",
        "Done: the new version is available in {system}.",
    ),
    "under_review": (
        "We are assessing the effort with the {function} team.",
    ),
}
FLAG_REASONS = (
    "Contains a batch number from an open investigation.",
    "Possibly confidential product information.",
    "Off-topic for this board.",
    "Duplicate of an existing question.",
    "Tone is not respectful.",
)
