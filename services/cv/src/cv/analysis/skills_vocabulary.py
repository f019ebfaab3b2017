"""The skills job ads and CVs name, as data: one skill a line, its name as shown first, then the
other ways people write it, separated by "|". `cv.analysis.keywords` reads them; matching
folds case and diacritics, so only spellings that differ in letters need listing here."""

# Grouped for the reader only; a skill's group is not part of what analysis reports.
SKILLS: dict[str, str] = {
    "programming languages": """
        Python | py | python3 | cpython
        JavaScript | js | ecmascript | es6 | vanilla js
        TypeScript | ts
        Java | java se | java ee | jakarta ee
        Kotlin
        Scala
        Go | golang
        Rust | rustlang
        C
        C++ | cpp | cplusplus
        C# | csharp | c sharp
        F# | fsharp
        .NET | dotnet | dot net | .net core | asp.net | asp.net core
        PHP
        Ruby
        Ruby on Rails | rails | ror
        Perl
        Swift
        Objective-C | objc | obj-c
        Dart
        Elixir
        Erlang
        Haskell
        Clojure
        OCaml
        Julia
        R | rlang
        MATLAB
        Lua
        Groovy
        Fortran
        COBOL
        Assembly | assembler | asm
        Solidity
        Bash | shell scripting | shell script | zsh
        PowerShell
        SQL | structured query language
        PL/SQL | plsql
        T-SQL | tsql | transact-sql
        VBA | visual basic for applications
        Visual Basic | vb.net
        WebAssembly | wasm
        GraphQL
        HTML | html5
        CSS | css3
        Sass | scss
        Less
    """,
    "frameworks and libraries": """
        React | react.js | reactjs
        React Native
        Angular | angularjs | angular.js
        Vue.js | vue | vuejs | vue 3
        Svelte | sveltekit
        Next.js | nextjs
        Nuxt | nuxt.js | nuxtjs
        Node.js | node | nodejs
        Express | express.js | expressjs
        NestJS | nest.js
        Deno
        jQuery
        Redux
        Tailwind CSS | tailwind | tailwindcss
        Bootstrap
        Django | django rest framework | drf
        Flask
        FastAPI
        Pydantic
        Celery
        SQLAlchemy
        Spring | spring framework
        Spring Boot
        Hibernate
        Laravel
        Symfony
        Phoenix
        Gin
        gRPC | grpc-go
        Protocol Buffers | protobuf | protobufs
        Flutter
        SwiftUI
        Jetpack Compose
        Xamarin
        Electron
        Unity | unity3d
        Unreal Engine | unreal
        Qt
        pandas
        NumPy
        SciPy
        scikit-learn | sklearn | scikit learn
        TensorFlow
        PyTorch | torch
        Keras
        JAX
        Hugging Face | huggingface | transformers
        LangChain
        OpenCV
        spaCy
        NLTK
        XGBoost
        LightGBM
        Matplotlib
        Jupyter | jupyter notebook | jupyterlab
        Jest
        Mocha
        Cypress
        Playwright
        Selenium | selenium webdriver
        pytest
        JUnit
        Storybook
        Webpack
        Vite
        Babel
    """,
    "data and machine learning": """
        Machine Learning | ml
        Deep Learning
        Artificial Intelligence | ai
        Generative AI | genai | gen ai
        Large Language Models | llm | llms | large language model
        Natural Language Processing | nlp
        Computer Vision
        Reinforcement Learning
        MLOps | ml ops
        Data Science
        Data Analysis | data analytics | analytics
        Data Engineering
        Data Modeling | data modelling
        Data Visualization | data visualisation | dataviz
        Data Warehousing | data warehouse | dwh
        Data Pipelines | data pipeline
        Data Governance
        ETL | elt | extract transform load
        Big Data
        Statistics | statistical analysis
        A/B Testing | ab testing | split testing | experimentation
        Feature Engineering
        Prompt Engineering
        Retrieval-Augmented Generation | rag
        Recommender Systems | recommendation systems | recommender system
        Time Series | time series analysis | forecasting
        Information Retrieval | search relevance
        Apache Spark | spark | pyspark
        Hadoop
        Apache Kafka | kafka
        Apache Flink | flink
        Apache Airflow | airflow
        Apache Beam | beam
        dbt | data build tool
        Databricks
        Snowflake
        BigQuery | google bigquery
        Amazon Redshift | redshift
        Tableau
        Power BI | powerbi
        Looker
        Metabase
        Excel | microsoft excel | ms excel
        Google Sheets
    """,
    "databases": """
        PostgreSQL | postgres | psql | postgre
        MySQL
        MariaDB
        SQLite
        Oracle Database | oracle db | oracle
        Microsoft SQL Server | sql server | mssql | ms sql
        MongoDB | mongo
        Redis
        Memcached
        Elasticsearch | elastic search | elastic
        OpenSearch
        Apache Cassandra | cassandra
        ScyllaDB | scylla
        DynamoDB | amazon dynamodb
        Apache Solr | solr
        Neo4j
        CockroachDB
        ClickHouse
        InfluxDB
        TimescaleDB
        Firebase | firestore
        Supabase
        NoSQL
        Relational Databases | rdbms | relational database
        Vector Databases | vector database | pgvector
        Database Design | schema design
        Query Optimization | query optimisation | query tuning
    """,
    "cloud and operations": """
        Amazon Web Services | aws
        Microsoft Azure | azure
        Google Cloud | gcp | google cloud platform
        AWS Lambda | lambda
        Amazon S3 | s3
        Amazon EC2 | ec2
        Amazon ECS | ecs
        Amazon EKS | eks
        Google Kubernetes Engine | gke
        Azure Kubernetes Service | aks
        Cloudflare
        Heroku
        Vercel
        Netlify
        Serverless
        Docker | docker compose | dockerfile
        Podman
        Kubernetes | k8s | kube
        Helm | helm charts
        OpenShift
        Istio
        Linkerd
        Service Mesh
        Terraform | hcl
        Pulumi
        Ansible
        Chef
        Puppet
        CloudFormation | aws cloudformation
        Infrastructure as Code | iac
        Vault | hashicorp vault
        Consul
        Nomad
        Nginx
        Apache HTTP Server | apache httpd | httpd
        HAProxy
        Envoy
        Linux | gnu/linux
        Unix
        Ubuntu
        Debian
        Red Hat Enterprise Linux | rhel | red hat
        Windows Server
        DevOps
        Site Reliability Engineering | sre
        Platform Engineering
        CI/CD | continuous integration | continuous delivery | continuous deployment | ci cd
        GitHub Actions
        GitLab CI | gitlab ci/cd
        Jenkins
        CircleCI
        Argo CD | argocd
        Flux | fluxcd
        GitOps
        Prometheus
        Grafana
        Datadog
        New Relic
        Splunk
        ELK Stack | elk
        OpenTelemetry | otel
        Jaeger
        Observability
        Monitoring
        Incident Management | incident response | on-call | on call
        Networking | computer networking
        TCP/IP
        DNS
        Load Balancing | load balancer | load balancers
        Caching
        Content Delivery Networks | cdn
        Virtualization | virtualisation | vmware
        Cloud Computing | cloud
        Cloud Architecture | cloud native | cloud-native
        FinOps | cloud cost optimization
    """,
    "engineering practice": """
        Software Architecture | software design | system design
        Distributed Systems
        Microservices | microservice | microservice architecture
        Event-Driven Architecture | event driven | event sourcing
        Domain-Driven Design | ddd
        Object-Oriented Programming | oop | object oriented
        Functional Programming
        Design Patterns
        REST | restful | rest api | rest apis | restful api
        API Design | apis | api | api development
        WebSockets | websocket
        Message Queues | message queue | message broker
        RabbitMQ
        NATS | nats jetstream
        Apache Pulsar | pulsar
        Amazon SQS | sqs
        Concurrency | multithreading | parallel programming
        Performance Optimization | performance tuning | performance optimisation
        Scalability
        High Availability
        Algorithms | data structures
        Test-Driven Development | tdd
        Behavior-Driven Development | bdd | behaviour-driven development
        Unit Testing | unit tests
        Integration Testing | integration tests
        End-to-End Testing | e2e testing | e2e tests
        Test Automation | automated testing | qa automation
        Quality Assurance | qa
        Manual Testing
        Load Testing | performance testing
        Property-Based Testing | property based testing | property-based tests
        Code Review | code reviews
        Pair Programming
        Git | github | gitlab | bitbucket
        Version Control | source control
        Linux Administration | system administration | sysadmin
        Backend Development | backend | back end | back-end | server side
        Frontend Development | frontend | front end | front-end | client side
        Full-Stack Development | full stack | full-stack | fullstack
        Mobile Development | mobile apps | mobile applications
        iOS | ios development
        Android | android development
        Web Development
        Embedded Systems | embedded | firmware
        Internet of Things | iot
        Game Development | gamedev
        Blockchain
        Payments | payment systems | payment processing
        Accessibility | a11y | wcag
        Internationalization | i18n | internationalisation | localization | l10n
        Search Engine Optimization | seo
        Web Performance | core web vitals
        Responsive Design
        Technical Writing
        Open Source | open-source | oss
    """,
    "security": """
        Information Security | infosec | cybersecurity | cyber security | it security
        Application Security | appsec
        Network Security
        Cloud Security
        Penetration Testing | pentesting | pen testing | ethical hacking
        Vulnerability Management
        Threat Modeling | threat modelling
        Identity and Access Management | iam
        OAuth | oauth2 | oauth 2.0
        OpenID Connect | oidc
        Single Sign-On | sso
        SAML
        Cryptography | encryption
        Public Key Infrastructure | pki
        Security Operations | secops | soc
        SIEM
        ISO 27001 | iso/iec 27001
        SOC 2 | soc2
        GDPR | gdpr compliance | dsgvo | rgpd
        PCI DSS | pci | pci-dss
        HIPAA
        OWASP
        Zero Trust
    """,
    "design and product": """
        UX Design | ux | user experience | user experience design
        UI Design | ui | user interface design
        Product Design
        Interaction Design
        Graphic Design
        Visual Design
        User Research | ux research
        Usability Testing
        Wireframing | wireframes
        Prototyping
        Design Systems | design system
        Figma
        Sketch
        Adobe XD
        Adobe Photoshop | photoshop
        Adobe Illustrator | illustrator
        Adobe InDesign | indesign
        Adobe Premiere Pro | premiere pro | premiere
        After Effects | adobe after effects
        Canva
        Blender
        AutoCAD
        SolidWorks
        Typography
        Motion Design | motion graphics
        Video Editing
        Photography
        Copywriting
        Content Writing | content creation
        Editing | proofreading
        Product Management | product manager
        Product Strategy
        Product Discovery
        Product Ownership | product owner
        Roadmapping | product roadmap | roadmaps
        Requirements Gathering | requirements analysis
        User Stories
        Business Analysis | business analyst
    """,
    "ways of working": """
        Agile | agile methodologies | agile development
        Scrum | scrum master
        Kanban
        Lean
        SAFe | scaled agile
        Waterfall
        Jira | atlassian jira
        Confluence
        Trello
        Asana
        Notion
        Slack
        Microsoft Office | ms office | office 365 | microsoft 365
        Microsoft Word | ms word
        Microsoft PowerPoint | powerpoint | ms powerpoint
        Microsoft Outlook | outlook
        Google Workspace | g suite | gsuite
        Project Management | project manager | pmp
        Program Management | programme management
        Stakeholder Management | stakeholder engagement
        Risk Management
        Change Management
        Budgeting | budget management
        Vendor Management
        Process Improvement | continuous improvement
        Six Sigma | lean six sigma
        ITIL
        PRINCE2
    """,
    "business": """
        Sales | b2b sales | b2c sales
        Business Development | bizdev
        Account Management | account manager | key account management
        Customer Success
        Customer Service | customer support
        Customer Relationship Management | crm
        Salesforce
        HubSpot
        SAP
        Lead Generation
        Negotiation | negotiating
        Marketing | digital marketing | online marketing
        Content Marketing
        Email Marketing
        Social Media Marketing | social media | social media management
        Performance Marketing | paid media | sem | ppc
        Growth Marketing | growth hacking
        Brand Management | branding
        Market Research
        Public Relations
        Event Management | event planning
        Google Analytics | ga4
        Google Ads | adwords
        Go-to-Market | go to market | gtm
        E-commerce | ecommerce | e commerce
        Shopify
        Finance | corporate finance
        Accounting | bookkeeping
        Financial Analysis
        Financial Modeling | financial modelling
        Financial Reporting
        Forecasting and Planning | fp&a | financial planning
        Auditing | audit
        Taxation | tax
        IFRS
        US GAAP | gaap
        Payroll
        Procurement | purchasing
        Supply Chain Management | supply chain
        Logistics
        Operations Management
        Human Resources | hr
        Recruiting | recruitment | talent acquisition
        Employer Branding
        Learning and Development | l&d
        Compensation and Benefits
        Legal | contract law
        Contract Management | contracts
        Compliance | regulatory compliance
        Consulting | management consulting
        Strategy | business strategy | strategic planning
        Entrepreneurship
        Healthcare
        Nursing
        Teaching
        Research | academic research
        Fundraising
    """,
    "people": """
        Leadership | team leadership | technical leadership
        People Management | team management | line management | managing teams
        Mentoring | mentorship | coaching
        Communication | communication skills | verbal communication | written communication
        Public Speaking | presentations | presenting
        Teamwork | collaboration | team player
        Problem Solving | problem-solving
        Critical Thinking
        Analytical Skills | analytical thinking
        Attention to Detail
        Time Management
        Organizational Skills | organisational skills
        Adaptability
        Creativity
        Conflict Resolution
        Decision Making | decision-making
        Emotional Intelligence
        Cross-Functional Collaboration | cross-functional teams | cross functional
        Interviewing | technical interviewing
        Customer Focus | customer orientation
        Self-Motivation | self-motivated | self starter | proactive
    """,
    "spoken languages": """
        English | englisch | ingles | anglais
        German | deutsch | aleman | allemand
        French | francais | frances | franzosisch
        Spanish | espanol | castellano | spanisch | espagnol
        Italian | italiano | italienisch | italien
        Portuguese | portugues | portugiesisch
        Dutch | nederlands | niederlandisch | neerlandais
        Polish | polski | polnisch | polonais
        Czech | cestina | tschechisch
        Swedish | svenska | schwedisch
        Danish | dansk
        Norwegian | norsk
        Finnish | suomi
        Russian | russkiy | russisch | russe
        Ukrainian
        Turkish | turkce | turkisch
        Greek
        Arabic | arabisch | arabe
        Hebrew
        Hindi
        Japanese | nihongo | japanisch | japonais
        Chinese | mandarin | cantonese | chinesisch | chinois
        Korean | koreanisch | coreen
    """,
}

# Spellings that are ordinary words too ("go above and beyond", "excel at", "react quickly",
# "la vue", "j'ai"): in a job ad they count as the skill only when written in exactly this case
# inside a sentence, or at a sentence's start on a line that names another skill. Everywhere
# in a CV they count: the candidate wrote them, and the job has already asked for the skill.
AMBIGUOUS: frozenset[str] = frozenset({
    "Go", "C", "R", "Swift", "Dart", "Julia", "Less", "Ruby", "Rails", "Spring",
    "Express", "React", "Vue", "Angular", "Node", "Unity", "Phoenix", "Gin", "Jest", "Mocha",
    "Lean", "Beam", "Spark", "Elastic", "Oracle", "Lambda", "Excel", "Sketch", "Premiere",
    "Illustrator", "Chef", "Puppet", "Vault", "Consul", "Nomad", "Flux", "Envoy", "Snowflake",
    "Tableau", "Notion", "Slack", "Outlook", "Embedded", "Legal", "Tax", "Audit", "Polish",
    "AI", "ML", "HR", "TS", "REST",
})
