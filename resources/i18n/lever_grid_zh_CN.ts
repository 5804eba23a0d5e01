<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>LeverGrid</name>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="81"/>
        <source>{name} {version} does not import: {detail}.</source>
        <translation>{name} {version} 无法导入：{detail}。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="86"/>
        <source>its wheel carries {library} {bundled} but QGIS uses {library} {host}; two copies in one process crash QGIS. Build {package} against QGIS&apos;s {library} instead: pip install --no-binary {package} {package}</source>
        <translation>其 wheel 自带 {library} {bundled}，而 QGIS 使用 {library} {host}；同一进程中的两份副本会使 QGIS 崩溃。请改为针对 QGIS 的 {library} 编译 {package}：pip install --no-binary {package} {package}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="96"/>
        <source>{reason} Building it failed: {error}. It needs a C compiler and the headers, e.g. sudo apt install build-essential python3-dev {headers}</source>
        <translation>{reason} 编译失败：{error}。编译需要 C 编译器和头文件，例如 sudo apt install build-essential python3-dev {headers}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="111"/>
        <source>Fix: in a terminal run {command}, or click Install dependencies…</source>
        <translation>解决方法：在终端运行 {command}，或点击“安装依赖…”</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="152"/>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="191"/>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="166"/>
        <source>Install dependencies…</source>
        <translation>安装依赖…</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="154"/>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="164"/>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="175"/>
        <source>Lever Grid</source>
        <translation>Lever Grid 网格警务</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="195"/>
        <source>From the internet (PyPI)</source>
        <translation>从互联网安装（PyPI）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="196"/>
        <source>From a folder of wheels…</source>
        <translation>从本地 wheel 文件夹安装…</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="229"/>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="231"/>
        <source>Installing Lever Grid dependencies</source>
        <translation>正在安装 Lever Grid 的依赖</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="74"/>
        <source>{name} is missing.</source>
        <translation>缺少 {name}。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="76"/>
        <source>{name} {version} is too old (needs {minimum} or later).</source>
        <translation>{name} {version} 版本过旧（需要 {minimum} 或更高版本）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="79"/>
        <source>{name} {version} cannot be used inside QGIS: {reason}.</source>
        <translation>{name} {version} 不能在 QGIS 中使用：{reason}。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="94"/>
        <source>{reason} There is no source archive of {package} to build it from ({error}).</source>
        <translation>{reason} 没有可用于编译的 {package} 源码包（{error}）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="105"/>
        <source>Fix: in the OSGeo4W Shell run {command}, or click Install dependencies…</source>
        <translation>解决方法：在 OSGeo4W Shell 中运行 {command}，或点击“安装依赖…”</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="108"/>
        <source>This system&apos;s own packages are too old. Fix: run {command} in a terminal, then click Install dependencies… (it builds shapely and pyogrio against QGIS&apos;s GEOS and GDAL).</source>
        <translation>本系统自带的软件包版本过旧。解决方法：在终端运行 {command}，然后点击“安装依赖…”（它会针对 QGIS 的 GEOS 和 GDAL 编译 shapely 和 pyogrio）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="117"/>
        <source>Lever Grid could not start: {error}</source>
        <translation>Lever Grid 无法启动：{error}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="204"/>
        <source>Folder of wheels (.whl)</source>
        <translation>wheel 文件（.whl）所在文件夹</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="119"/>
        <source>Lever Grid is not active. {problems}</source>
        <translation>Lever Grid 未启用。{problems}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="193"/>
        <source>Install {packages} into {folder}?</source>
        <translation>将 {packages} 安装到 {folder}？</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="248"/>
        <source>Installing the dependencies failed: {reason}</source>
        <translation>依赖安装失败：{reason}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="254"/>
        <source>Installed {packages}. Lever Grid is active.</source>
        <translation>已安装 {packages}，Lever Grid 已启用。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/dependencies.py" line="257"/>
        <source>Installed {packages}. Restart QGIS to activate Lever Grid.</source>
        <translation>已安装 {packages}，请重启 QGIS 以启用 Lever Grid。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/common.py" line="29"/>
        <source>Public video, class 1 (一类)</source>
        <translation>一类视频</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/common.py" line="30"/>
        <source>Public video, class 2 (二类)</source>
        <translation>二类视频</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/common.py" line="31"/>
        <location filename="../../lever_grid/qgis_plugin/gui/common.py" line="42"/>
        <source>Smart eye (慧眼)</source>
        <translation>慧眼（智能感知）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/common.py" line="32"/>
        <source>Social video (社会)</source>
        <translation>社会视频</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/common.py" line="33"/>
        <source>Enterprise video (企业)</source>
        <translation>企业视频</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/common.py" line="40"/>
        <source>Class 1 (一类)</source>
        <translation>一类视频</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/common.py" line="41"/>
        <source>Class 2 (二类)</source>
        <translation>二类视频</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/common.py" line="43"/>
        <source>Social (社会)</source>
        <translation>社会视频</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/common.py" line="44"/>
        <source>Enterprise (企业)</source>
        <translation>企业视频</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="145"/>
        <source>1. Layers</source>
        <translation>1. 图层</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="155"/>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="416"/>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="46"/>
        <source>Roads</source>
        <translation>道路</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="155"/>
        <source>Boundary (optional)</source>
        <translation>边界（可选）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="156"/>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="416"/>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="39"/>
        <source>Grid cells</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="156"/>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="417"/>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="41"/>
        <source>Cameras</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="157"/>
        <source>Buildings (optional)</source>
        <translation>建筑（可选）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="158"/>
        <source>Incidents (optional)</source>
        <translation>警情（可选）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="162"/>
        <source>Load the sample village</source>
        <translation>加载示例村（杨屋）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="163"/>
        <source>Adds a copy of the bundled sample village: 58 roads, 14 cells, cameras, buildings and incidents.</source>
        <translation>添加内置示例村的副本：58 条道路、14 个网格、摄像头、建筑和警情。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="170"/>
        <source>2. Grid cells</source>
        <translation>2. 网格划分</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="175"/>
        <source>How many grid cells to cut the village into.</source>
        <translation>将村划分为多少个网格。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="176"/>
        <source>Number of cells</source>
        <translation>网格数量</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="181"/>
        <source>What every cell should have about equally.</source>
        <translation>各网格应大致均衡的指标。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="182"/>
        <source>Balance by</source>
        <translation>均衡指标</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="184"/>
        <source>Build cells</source>
        <translation>生成网格</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="186"/>
        <source>Validate cells</source>
        <translation>检查网格</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="194"/>
        <source>3. Coverage and incidents</source>
        <translation>3. 视频覆盖与警情</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="197"/>
        <source>e.g. 2025-01-01/2025-05-31; empty: this year so far</source>
        <translation>例如 2025-01-01/2025-05-31；留空：今年至今</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="198"/>
        <source>Current period</source>
        <translation>本期</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="200"/>
        <source>empty: the same period a year earlier</source>
        <translation>留空：上年同期</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="201"/>
        <source>Compare with</source>
        <translation>对比期</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="213"/>
        <source>Camera kinds</source>
        <translation>摄像头类型</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="215"/>
        <source>Cells minus buildings</source>
        <translation>网格（扣除建筑）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="216"/>
        <source>Road corridor (8 m wide)</source>
        <translation>道路走廊（宽 8 米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="217"/>
        <source>The area that should be seen by cameras.</source>
        <translation>应被摄像头看到的区域。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="218"/>
        <source>Watch</source>
        <translation>监控范围</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="223"/>
        <source>Smallest blind spot</source>
        <translation>最小盲区</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="224"/>
        <source>Analyse coverage and incidents</source>
        <translation>分析覆盖与警情</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="233"/>
        <source>5. Edit on the map</source>
        <translation>5. 地图编辑</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="257"/>
        <source>Active cell: none (right click a cell)</source>
        <translation>当前网格：无（右键单击网格选择）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="259"/>
        <source>Update coverage after each edit</source>
        <translation>每次编辑后更新覆盖</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="265"/>
        <source>6. Export</source>
        <translation>6. 导出</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="204"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage 文件 (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="206"/>
        <source>The analysis is written to this GeoPackage, built cells, cell problems and briefings beside it. Default: beside the project file. Remembered with the project.</source>
        <translation>分析结果写入此 GeoPackage，生成的网格、网格问题和简报保存在其旁边。默认：工程文件旁边。随工程保存。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="211"/>
        <source>Results GeoPackage</source>
        <translation>结果文件（GeoPackage）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="271"/>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="83"/>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="272"/>
        <source>Export briefing</source>
        <translation>导出简报</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="278"/>
        <source>Choose the layers, then run the steps in order.</source>
        <translation>选择图层，然后按顺序执行各步骤。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="285"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="415"/>
        <source>Boundary</source>
        <translation>边界</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="415"/>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="43"/>
        <location filename="../../lever_grid/qgis_plugin/processing/cameraviews.py" line="37"/>
        <source>Buildings</source>
        <translation>建筑</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="417"/>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="178"/>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="56"/>
        <source>Incidents</source>
        <translation>警情</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="419"/>
        <source>Sample village (Yangwu)</source>
        <translation>示例村（杨屋）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="531"/>
        <source>Grid cells (built)</source>
        <translation>网格（生成）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="178"/>
        <source>Road length</source>
        <translation>道路长度</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="179"/>
        <source>Area</source>
        <translation>面积</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="238"/>
        <source>Road faces</source>
        <translation>道路地块</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="239"/>
        <source>Click the faces between roads to add them to the active cell or remove them; right click a cell to make it active.</source>
        <translation>单击道路围成的地块，将其加入当前网格或从中移除；右键单击网格设为当前网格。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="241"/>
        <source>Draw cell</source>
        <translation>绘制网格</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="242"/>
        <source>Draw a new cell; corners snap to the roads. Right click finishes.</source>
        <translation>绘制新网格；拐点吸附到道路。右键单击结束。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="243"/>
        <source>Place camera</source>
        <translation>布设摄像头</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="244"/>
        <source>Press at the camera, drag towards where it looks (drag length = range), release; then choose its kind.</source>
        <translation>在摄像头位置按下，向其朝向拖动（拖动长度 = 视距），松开；然后选择类型。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="300"/>
        <source>Road centrelines (lines): cell edges, road length and coverage.</source>
        <translation>道路中心线（线）：网格边界、道路长度和覆盖。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="301"/>
        <source>Village outline; empty: the area the roads enclose.</source>
        <translation>村界；留空：道路围成的区域。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="302"/>
        <source>Grid cells (polygons) with a cell_id field.</source>
        <translation>带 cell_id 字段的网格（面）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="303"/>
        <source>Camera points with camera_id and kind; optional status, range_m, heading_deg, fov_deg.</source>
        <translation>带 camera_id 和 kind 的摄像头点；可选 status、range_m、heading_deg、fov_deg。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="305"/>
        <source>Building footprints: they block camera views.</source>
        <translation>建筑轮廓：会遮挡摄像头视野。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="306"/>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="42"/>
        <source>Incident points with occurred_at (date or date-time).</source>
        <translation>带 occurred_at（日期或日期时间）的警情点。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="504"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="549"/>
        <source>No problems found.</source>
        <translation>未发现问题。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="602"/>
        <source>{0} cells: cameras see {1:.1f} % of the watched area; {2} blind spots, {3:,.0f} m² in all.</source>
        <translation>{0} 个网格：摄像头覆盖监控范围的 {1:.1f}%；盲区 {2} 处，共 {3:,.0f} 平方米。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="694"/>
        <source>Choose the cameras layer first.</source>
        <translation>请先选择摄像头图层。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="437"/>
        <source>Sample village loaded from {0}.</source>
        <translation>已从 {0} 加载示例村。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="492"/>
        <source>{0}: running…</source>
        <translation>{0}：运行中…</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="582"/>
        <source>Analysis written to {0}.</source>
        <translation>分析结果已写入 {0}。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="618"/>
        <source>Briefing exported: {0}</source>
        <translation>简报已导出：{0}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="678"/>
        <source>Choose the roads and cells layers first.</source>
        <translation>请先选择道路和网格图层。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="687"/>
        <source>Choose the cells layer first.</source>
        <translation>请先选择网格图层。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="722"/>
        <source>Coverage of cells {0} updated in {1:.2f} s.</source>
        <translation>网格 {0} 的覆盖已更新，用时 {1:.2f} 秒。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="514"/>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="537"/>
        <source>{0} cells built: {1}</source>
        <translation>已生成 {0} 个网格：{1}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="539"/>
        <source>Cells built: {0}</source>
        <translation>网格已生成：{0}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="550"/>
        <source>{0} problems found; see the layer “{1}”.</source>
        <translation>发现 {0} 个问题，见图层“{1}”。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="605"/>
        <source>Incidents {0} → {1} ({2:+.2f} % on the previous period).</source>
        <translation>警情 {0} → {1}（较上期 {2:+.2f}%）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="735"/>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="580"/>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="719"/>
        <source>Live update failed: {0}</source>
        <translation>实时更新失败：{0}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="332"/>
        <source>Not available: the Processing algorithm {0} is not installed.</source>
        <translation>不可用：未安装处理算法 {0}。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="335"/>
        <source>Runs {0} ({1}) in the background.</source>
        <translation>在后台运行“{0}”（{1}）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="517"/>
        <source>Failed: {0}</source>
        <translation>失败：{0}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="517"/>
        <source>see the log</source>
        <translation>请查看日志</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="683"/>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="218"/>
        <source>Active cell: {0}</source>
        <translation>当前网格：{0}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="455"/>
        <source>New camera</source>
        <translation>新摄像头</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="458"/>
        <source>Camera id</source>
        <translation>摄像头编号</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="463"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="464"/>
        <source>Omnidirectional (sees all around)</source>
        <translation>全向（360° 可视）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="472"/>
        <source>Heading (clockwise from north)</source>
        <translation>朝向（自正北顺时针）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="478"/>
        <source>Field of view</source>
        <translation>视场角</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="483"/>
        <source>default for the kind</source>
        <translation>按类型默认</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="485"/>
        <source>Range</source>
        <translation>视距</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="231"/>
        <source>No face between roads here.</source>
        <translation>此处没有道路围成的地块。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="236"/>
        <source>Choose the active cell first (right click on it).</source>
        <translation>请先选择当前网格（右键单击）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="388"/>
        <source>A cell needs at least three corners.</source>
        <translation>网格至少需要三个拐点。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="401"/>
        <source>The drawn cell has no area.</source>
        <translation>绘制的网格面积为零。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="248"/>
        <source>A cell cannot lose its last face.</source>
        <translation>网格不能移除最后一个地块。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="251"/>
        <source>Remove a face from cell {0}</source>
        <translation>从网格 {0} 移除地块</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="261"/>
        <source>Add a face to cell {0}</source>
        <translation>向网格 {0} 添加地块</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="420"/>
        <source>Draw cell {0}</source>
        <translation>绘制网格 {0}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="421"/>
        <source>Cell {0} added.</source>
        <translation>已添加网格 {0}。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="593"/>
        <source>Place camera {0}</source>
        <translation>布设摄像头 {0}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/maptools.py" line="595"/>
        <source>Camera {0} placed ({1}, {2:.0f} m).</source>
        <translation>已布设摄像头 {0}（{1}，{2:.0f} 米）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="34"/>
        <source>Cells: incident change</source>
        <translation>网格：警情变化</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="35"/>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="58"/>
        <source>Blind spots</source>
        <translation>盲区</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="36"/>
        <source>Camera overlap</source>
        <translation>重叠覆盖</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="37"/>
        <location filename="../../lever_grid/qgis_plugin/processing/cameraviews.py" line="21"/>
        <source>Camera views</source>
        <translation>摄像头视域</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="38"/>
        <source>Police offices</source>
        <translation>派出所</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="40"/>
        <source>Cell problems</source>
        <translation>网格问题</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="41"/>
        <source>Incidents per cell</source>
        <translation>各网格警情</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="42"/>
        <source>New camera sites</source>
        <translation>新摄像头点位</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="43"/>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="61"/>
        <source>Hot spots</source>
        <translation>热点</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="44"/>
        <source>Hot spots on roads</source>
        <translation>道路热点</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="45"/>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="27"/>
        <source>Patrol loop</source>
        <translation>巡逻路线</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="78"/>
        <source>Hot spot, 99 %</source>
        <translation>热点（99 %）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="79"/>
        <source>Hot spot, 95 %</source>
        <translation>热点（95 %）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="80"/>
        <source>Hot spot, 90 %</source>
        <translation>热点（90 %）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="81"/>
        <source>Not significant</source>
        <translation>不显著</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="82"/>
        <source>Cold spot, 90 %</source>
        <translation>冷点（90 %）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="83"/>
        <source>Cold spot, 95 %</source>
        <translation>冷点（95 %）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="84"/>
        <source>Cold spot, 99 %</source>
        <translation>冷点（99 %）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="154"/>
        <source>Lever Grid results</source>
        <translation>网格分析结果</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="53"/>
        <source>No baseline (previous period had 0)</source>
        <translation>无基数（上期为 0）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="54"/>
        <source>−50 % or less</source>
        <translation>−50% 及以下</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="55"/>
        <source>−50 to −20 %</source>
        <translation>−50% 至 −20%</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="56"/>
        <source>−20 to −5 %</source>
        <translation>−20% 至 −5%</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="57"/>
        <source>−5 to +5 %</source>
        <translation>−5% 至 +5%</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="58"/>
        <source>+5 to +20 %</source>
        <translation>+5% 至 +20%</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="59"/>
        <source>+20 to +50 %</source>
        <translation>+20% 至 +50%</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="60"/>
        <source>More than +50 %</source>
        <translation>+50% 以上</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="63"/>
        <source>1 camera</source>
        <translation>1 个摄像头</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="64"/>
        <source>2 cameras</source>
        <translation>2 个摄像头</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="65"/>
        <source>3 cameras</source>
        <translation>3 个摄像头</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="66"/>
        <source>4 or more cameras</source>
        <translation>4 个及以上摄像头</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/plugin.py" line="55"/>
        <source>Lever Grid panel</source>
        <translation>网格警务面板</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/plugin.py" line="57"/>
        <source>Show the Lever Grid panel: cells, coverage, blind spots, incidents</source>
        <translation>显示网格警务面板：网格、覆盖、盲区、警情</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/plugin.py" line="65"/>
        <source>Analyse camera coverage…</source>
        <translation>分析视频覆盖…</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="25"/>
        <source>Analyse camera coverage and incidents</source>
        <translation>分析视频覆盖与警情</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="26"/>
        <source>Computes what the cameras see in every grid cell: camera views (circles or field-of-view sectors cut by buildings), overlap counts, blind spots, road coverage and incident change between two periods. Walls and fences (lines) block views like buildings; watch points (gates, doors) are reported seen or unseen with the cameras that see them. Writes one GeoPackage with the layers cells, camera_views, overlap, blind_spots, cell_stats and office_stats (and watch_points when given).</source>
        <translation>计算各网格内摄像头的覆盖：摄像头视域（圆形，或被建筑遮挡后的视场扇形）、重叠数、盲区、道路覆盖以及两个时期之间的警情变化。围墙和栅栏（线）像建筑一样遮挡视域；关注点（大门、门口）逐个报告是否被看到以及由哪些摄像头看到。结果写入一个 GeoPackage，含图层 cells、camera_views、overlap、blind_spots、cell_stats 和 office_stats（给出关注点时另有 watch_points）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="39"/>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="39"/>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="42"/>
        <source>Polygon layer of grid cells with a unique cell_id field.</source>
        <translation>网格面图层，需有唯一的 cell_id 字段。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="41"/>
        <location filename="../../lever_grid/qgis_plugin/processing/cameraviews.py" line="35"/>
        <source>Point layer with camera_id and kind; optional status, range_m, heading_deg, fov_deg.</source>
        <translation>摄像头点图层，需有 camera_id 和 kind；可选 status、range_m、heading_deg、fov_deg。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="43"/>
        <source>Building footprints: they block camera views and are not watched.</source>
        <translation>建筑轮廓：遮挡摄像头视野，且不计入监控范围。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="46"/>
        <source>Road centrelines, for road length and road coverage per cell.</source>
        <translation>道路中心线，用于计算各网格的道路长度和道路覆盖。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="48"/>
        <location filename="../../lever_grid/qgis_plugin/processing/cameraviews.py" line="44"/>
        <source>Wall, fence and hedge lines that block camera views; optional height_m (a wall lower than the camera&apos;s height_m does not block it).</source>
        <translation>遮挡摄像头视域的围墙、栅栏和绿篱线；可选 height_m（墙低于摄像头的 height_m 时不遮挡该摄像头）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="52"/>
        <source>Named points (field name) such as gates and doors: the watch_points layer says whether each is seen and by which cameras.</source>
        <translation>带名称（name 字段）的点，如大门和门口：watch_points 图层给出每个点是否被看到以及由哪些摄像头看到。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="56"/>
        <source>Incident points with incident_id, occurred_at and optional category.</source>
        <translation>警情点，需有 incident_id、occurred_at，可选 category。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="59"/>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="49"/>
        <location filename="../../lever_grid/qgis_plugin/processing/incidentstats.py" line="37"/>
        <source>ISO dates, e.g. 2025-01-01/2025-05-31. Default: 1 January of the latest incident&apos;s year to its date.</source>
        <translation>ISO 日期，例如 2025-01-01/2025-05-31。默认：最新一起警情所在年份的 1 月 1 日至该警情日期。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="63"/>
        <location filename="../../lever_grid/qgis_plugin/processing/incidentstats.py" line="41"/>
        <source>Default: the current period one year earlier.</source>
        <translation>默认：本期的上年同期。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="67"/>
        <source>cells: the cell minus buildings; roads: the road corridor inside the cell.</source>
        <translation>cells：网格扣除建筑；roads：网格内的道路走廊。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="70"/>
        <source>Blind pieces smaller than this are dropped and reported.</source>
        <translation>小于此面积的盲区碎片将被剔除并记录。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="73"/>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="63"/>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="65"/>
        <location filename="../../lever_grid/qgis_plugin/processing/cameraviews.py" line="42"/>
        <source>The GeoPackage that receives every output layer.</source>
        <translation>接收全部输出图层的 GeoPackage。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="48"/>
        <location filename="../../lever_grid/qgis_plugin/processing/cameraviews.py" line="44"/>
        <source>Walls and fences</source>
        <translation>围墙和栅栏</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="52"/>
        <source>Watch points (gates)</source>
        <translation>关注点（大门）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="59"/>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="49"/>
        <location filename="../../lever_grid/qgis_plugin/processing/incidentstats.py" line="38"/>
        <source>Current period (START/END)</source>
        <translation>本期（开始/结束）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="63"/>
        <location filename="../../lever_grid/qgis_plugin/processing/incidentstats.py" line="42"/>
        <source>Previous period (START/END)</source>
        <translation>上期（开始/结束）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="67"/>
        <source>Area to watch</source>
        <translation>监控范围</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="70"/>
        <source>Smallest blind spot (m²)</source>
        <translation>最小盲区（平方米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="73"/>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="79"/>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="65"/>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="80"/>
        <location filename="../../lever_grid/qgis_plugin/processing/analyse.py" line="63"/>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="100"/>
        <location filename="../../lever_grid/qgis_plugin/processing/cameraviews.py" line="42"/>
        <source>Output GeoPackage</source>
        <translation>输出 GeoPackage</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="81"/>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="83"/>
        <source>Leave empty for all kinds; e.g. only public1 and public2 for public cameras.</source>
        <translation>留空表示全部类型；例如只选 public1 和 public2 表示只算公安视频。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="82"/>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="100"/>
        <source>The column holding cell_id when it is not found by name (cell_id, 网格编号, 网格号).</source>
        <translation>未能按名称找到 cell_id 时，存放网格编号的字段（cell_id、网格编号、网格号）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="105"/>
        <source>The column holding the police office when it is not found by name (police_office, police_off, 警务室, 派出所).</source>
        <translation>未能按名称找到警务室时，存放警务室的字段（police_office、police_off、警务室、派出所）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="111"/>
        <source>The column holding the community officer when it is not found by name (officer, 社区民警, 民警).</source>
        <translation>未能按名称找到社区民警时，存放社区民警的字段（officer、社区民警、民警）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="140"/>
        <source>The column holding the incident date or time when it is not found by name (occurred_at, 发案时间, 报警时间, date ...), e.g. death_date.</source>
        <translation>未能按名称找到警情时间时，存放发生日期或时间的字段（occurred_at、发案时间、报警时间、date 等），例如 death_date。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="146"/>
        <source>The column holding the incident id (default: incident_id, 警情编号, 案件编号 ...).</source>
        <translation>存放警情编号的字段（默认：incident_id、警情编号、案件编号等）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="151"/>
        <source>The column holding the incident category (default: category, 类别, 案件类别 ...).</source>
        <translation>存放警情类别的字段（默认：category、类别、案件类别等）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="156"/>
        <source>Times that carry a zone (Z, +00:00) are converted to this local time; times without a zone are taken as local already. Default +08:00, China Standard Time.</source>
        <translation>带时区的时间（Z、+00:00）换算为此本地时间；不带时区的时间视为本地时间。默认 +08:00（北京时间）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="84"/>
        <source>Camera kinds that count</source>
        <translation>参与统计的摄像头类型</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="101"/>
        <source>Cell id column</source>
        <translation>网格编号字段</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="106"/>
        <source>Police office column</source>
        <translation>警务室字段</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="112"/>
        <source>Officer column</source>
        <translation>社区民警字段</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="141"/>
        <source>Incident date column</source>
        <translation>警情时间字段</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="147"/>
        <source>Incident id column</source>
        <translation>警情编号字段</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="152"/>
        <source>Incident category column</source>
        <translation>警情类别字段</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/base.py" line="157"/>
        <source>Local time (UTC offset)</source>
        <translation>本地时间（UTC 偏移）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="30"/>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="32"/>
        <source>Build grid cells from roads</source>
        <translation>由道路生成网格</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="33"/>
        <source>Splits the village outline into N grid cells: the boundary when given, otherwise an outline derived from the roads (every road grown by the margin, gaps under 120 m closed), so every road metre lies in a cell. The cells are made of the areas bounded by roads and the outline; the land between the outer roads and the outline and areas with much dead-end road are split along the midlines between their roads. Every cell is one piece, cells are about equal in road length (or incidents, or area) and compact. Only what is broken in the road network is repaired: road ends that already meet a road never move, dangling ends within the snap distance are joined, parallel lines stay apart; roads on bridges or in tunnels (OSM bridge, tunnel, layer) cross without a junction. Locked cells are kept as drawn. The same input always gives the same cells. Writes the layer cells (cell_id 1..N from north-west to south-east, name, area_m2, road_length_m, police_office, officer, locked) to a GeoPackage.</source>
        <translation>将村界划分为 N 个网格：给定边界时用该边界，否则由道路推导出村界（每条道路向外扩展边距，闭合 120 米以下的空隙），使每一米道路都落在某个网格内。网格由道路与村界围成的区域组成；外围道路与村界之间的土地以及断头路较多的区域，沿其道路之间的中线再细分。每个网格连成一片，各网格的道路长度（或警情数、面积）大致相等且形状紧凑。路网只修复确实有问题的地方：已与道路相接的路端从不移动，吸附距离内的悬空路端相互连接，平行的线保持分开；桥梁或隧道上的道路（OSM 的 bridge、tunnel、layer）交叉但不形成路口。锁定的网格保持原样。相同输入总是得到相同的网格。将图层 cells（cell_id 自西北向东南为 1..N，以及 name、area_m2、road_length_m、police_office、officer、locked）写入 GeoPackage。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="52"/>
        <source>Road centrelines. Every road metre inside the outline counts for road length, dead ends and footways included; roads beyond a given boundary are clipped and reported.</source>
        <translation>道路中心线。村界内的每一米道路都计入道路长度，包括断头路和人行道；超出给定边界的道路被裁剪并报告。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="56"/>
        <source>The area to divide, tiled exactly by the cells; its outline becomes a cell edge where no road runs. Default: an outline derived from the roads (see the margin).</source>
        <translation>要划分的区域，网格恰好铺满该区域；没有道路的地方以其外轮廓作为网格边界。默认：由道路推导出的村界（见边距）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="61"/>
        <source>How many cells to make, locked cells included. At most the number of faces the roads and the outline make.</source>
        <translation>要生成的网格数（含锁定网格），最多为道路与村界围成的面数。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="66"/>
        <source>What every cell should have about equally: road_length (a road between two cells counts half to each), incidents (needs the incidents layer) or area.</source>
        <translation>各网格应大致均衡的指标：road_length（两个网格之间的道路各计一半）、incidents（需要警情图层）或 area。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="70"/>
        <source>Incident points, for balance = incidents.</source>
        <translation>警情点，用于按警情均衡（balance = incidents）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="73"/>
        <source>Cells to keep exactly as drawn (with their cell_id when it is a whole number in 1..N, police_office and officer); the rest of the area is divided into the remaining cells.</source>
        <translation>按原样保留的网格（cell_id 为 1..N 内的整数时保留编号，并保留 police_office 和 officer）；其余区域划分为剩下的网格。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="82"/>
        <source>Dangling road ends within twice this distance of each other (within it of a junction) are joined; gaps and overshoots up to it are closed or trimmed; blocks thinner than it are merged into a neighbour.</source>
        <translation>彼此距离在该距离两倍以内（或距路口在该距离以内）的悬空路端被连接；该距离以内的缺口和出头被闭合或裁剪；比该距离更窄的地块并入相邻地块。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="79"/>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="90"/>
        <source>Without a boundary: how far the derived outline runs outside the outer roads.</source>
        <translation>未给定边界时：推导出的村界在最外侧道路以外延伸的距离。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="96"/>
        <source>Road field giving grade levels: roads on different levels cross without a junction. Empty: the OSM fields bridge, tunnel and layer when the roads have them.</source>
        <translation>表示道路立体层级的字段：不同层级的道路交叉但不形成路口。为空时：道路具有 OSM 字段 bridge、tunnel、layer 时使用它们。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="99"/>
        <source>Receives the layer cells.</source>
        <translation>接收图层 cells。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="79"/>
        <source>Snap distance (m)</source>
        <translation>吸附距离（米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="87"/>
        <source>Outline margin (m)</source>
        <translation>村界边距（米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="93"/>
        <source>Grade level field</source>
        <translation>立体层级字段</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="57"/>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="49"/>
        <source>Village boundary</source>
        <translation>村界</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="62"/>
        <source>Number of cells (N)</source>
        <translation>网格数（N）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="67"/>
        <source>Balance</source>
        <translation>均衡指标</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="74"/>
        <source>Locked cells</source>
        <translation>锁定网格</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="82"/>
        <location filename="../../lever_grid/qgis_plugin/processing/buildcells.py" line="102"/>
        <source>Cells</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/cameraviews.py" line="22"/>
        <source>Draws what every online camera of the chosen kinds sees: a circle of its range (range_m, or the default of its kind) or, with a heading, a field-of-view sector; with buildings and walls (lines), the part of it no building or wall hides (a wall lower than the camera does not block it). Circles have 64 sides (QGIS&apos;s Buffer with 16 segments per quarter); sectors are QGIS&apos;s Wedge buffers segmentized by 5.625° (Segmentize by maximum angle). Writes the layer camera_views (camera_id, kind, area_m2) into a GeoPackage, in the cameras&apos; CRS; areas are in square metres.</source>
        <translation>绘制所选类型中每个在线摄像头能看到的范围：按可视距离（range_m，缺省时取该类型默认值）画圆，有朝向时画视场扇形；有建筑物和围墙（线）时只保留未被建筑物或围墙遮挡的部分（低于摄像头的围墙不遮挡）。圆为64边形（QGIS缓冲区，每四分之一圆16段）；扇形为QGIS楔形缓冲区按最大角度5.625°分段。结果写入GeoPackage的camera_views图层（camera_id、kind、area_m2），坐标系同摄像头图层，面积单位为平方米。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/cameraviews.py" line="37"/>
        <source>Building footprints: a view stops at the first wall. A camera on a wall or inside a building is not blinded by that building.</source>
        <translation>建筑物轮廓：视线止于第一面墙。装在墙上或位于建筑物内的摄像头不会被该建筑物遮挡。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="41"/>
        <source>Export briefing (map, GeoJSON, summary)</source>
        <translation>导出简报（地图、GeoJSON、汇总表）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="42"/>
        <source>Makes the briefing from an analysis GeoPackage (the output of &apos;Analyse camera coverage and incidents&apos;): a print layout with the map, legend, scale bar, north arrow, title and date, exported as PNG and PDF; GeoJSON (RFC 7946: WGS84, 7 decimals, about 1 cm) of every layer plus briefing.geojson; and a summary table (CSV, Markdown, HTML) ranking the cells by incidents in blind spots, blind area, coverage and change. Incidents leave only as counts per cell unless &apos;points&apos; is chosen; points then carry only incident_id, date and category.</source>
        <translation>根据分析 GeoPackage（“分析视频覆盖与警情”的输出）制作简报：含地图、图例、比例尺、指北针、标题和日期的打印布局，导出为 PNG 和 PDF；各图层的 GeoJSON（RFC 7946：WGS84，7 位小数，约 1 厘米）以及 briefing.geojson；以及按盲区内警情、盲区面积、覆盖率和变化对网格排序的汇总表（CSV、Markdown、HTML）。除非选择“points”，警情只以各网格计数的形式导出；选择“points”时每个点也只带 incident_id、日期和类别。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="58"/>
        <source>The GeoPackage written by the analyse algorithm (layers cells, camera_views, overlap, blind_spots, cell_stats, office_stats; cameras and roads if present).</source>
        <translation>分析算法写出的 GeoPackage（图层 cells、camera_views、overlap、blind_spots、cell_stats、office_stats；如有，还含 cameras 和 roads）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="62"/>
        <source>aggregate: only counts per cell (default, privacy by default). points: one point per incident with incident_id, date (no time) and category, nothing else.</source>
        <translation>aggregate：仅导出各网格的计数（默认，默认保护隐私）。points：每起警情一个点，只含 incident_id、日期（不含时间）和类别。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="70"/>
        <source>Only used with &apos;points&apos;. Default: the incidents layer of the analysis GeoPackage, if it has one.</source>
        <translation>仅在选择“points”时使用。默认：分析 GeoPackage 中的警情图层（如有）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="73"/>
        <source>Incident counts below this number are left empty (null) with incidents_masked true, in the GeoJSON, the summary and the map labels, together with the figures they could be worked out from (an office total, a cell&apos;s incidents in blind spots). 0 masks nothing; &apos;points&apos; cannot be combined with masking.</source>
        <translation>低于此数的警情计数在 GeoJSON、汇总表和地图标注中留空（null），incidents_masked 为 true；能据以推算出这些计数的数字（警务室合计、网格盲区警情数）也一并遮蔽。0 表示不遮蔽；“points”不能与遮蔽同时使用。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="82"/>
        <source>Title of the map page (default: a bilingual coverage title).</source>
        <translation>地图页标题（默认：中英双语的覆盖分析标题）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="83"/>
        <source>Receives briefing_map.png, briefing_map.pdf, &lt;layer&gt;.geojson, incidents.geojson, briefing.geojson, summary.csv, summary.md and summary.html.</source>
        <translation>接收 briefing_map.png、briefing_map.pdf、&lt;layer&gt;.geojson、incidents.geojson、briefing.geojson、summary.csv、summary.md 和 summary.html。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="67"/>
        <source>Incident points (for &apos;points&apos;)</source>
        <translation>警情点（用于“points”）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="80"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="58"/>
        <source>Analysis GeoPackage</source>
        <translation>分析 GeoPackage</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="62"/>
        <source>Incidents leave as</source>
        <translation>警情导出方式</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="73"/>
        <source>Mask counts below</source>
        <translation>屏蔽低于此数的计数</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="86"/>
        <source>Map (PNG)</source>
        <translation>地图（PNG）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="86"/>
        <source>Map (PDF)</source>
        <translation>地图（PDF）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="87"/>
        <source>Combined GeoJSON</source>
        <translation>合并的 GeoJSON</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="88"/>
        <source>Summary (HTML)</source>
        <translation>汇总表（HTML）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/exportbriefing.py" line="89"/>
        <source>Summary (CSV)</source>
        <translation>汇总表（CSV）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="25"/>
        <source>Hot spots and near repeats</source>
        <translation>热点与近重复</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="26"/>
        <source>Counts the incidents of the current period in squares of SIZE metres (aligned to multiples of the size in a metric CRS) that overlap the cells, and finds hot and cold spots with Getis-Ord Gi* (the square and its up to 8 neighbours, binary weights). Pseudo p-values come from conditional permutations (SEED makes them repeatable) and are adjusted for the number of squares (Benjamini-Hochberg false discovery rate); class: hot_99, hot_95, hot_90, none, cold_90, cold_95, cold_99. The near_repeat table is the Knox test over bands of distance and days with Monte Carlo p-values.</source>
        <translation>在与网格重叠、边长 SIZE 米的方格（在米制坐标系中按边长的整数倍对齐）中统计本期警情，用 Getis-Ord Gi* 找出热点和冷点（方格本身及其周围最多 8 个方格，二值权重）。伪 p 值来自条件置换（SEED 使结果可重复），并按方格数量校正（Benjamini-Hochberg 错误发现率）；类别：hot_99、hot_95、hot_90、none、cold_90、cold_95、cold_99。near_repeat 表是按距离带和天数带的 Knox 检验，p 值由蒙特卡洛模拟得出。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="45"/>
        <source>Side of the grid squares in metres.</source>
        <translation>方格边长（米）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="53"/>
        <source>Random permutations for the p-values; more give smaller attainable p-values.</source>
        <translation>计算 p 值的随机置换次数；次数越多，可达到的 p 值越小。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="56"/>
        <source>The same seed gives the same p-values.</source>
        <translation>相同的种子得到相同的 p 值。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="59"/>
        <source>Width of each distance band of the near-repeat table.</source>
        <translation>近重复表中每个距离带的宽度。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="63"/>
        <source>Width of each time band of the near-repeat table.</source>
        <translation>近重复表中每个时间带的宽度。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="66"/>
        <source>How many distance bands and how many time bands.</source>
        <translation>距离带和时间带的个数。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="69"/>
        <source>squares: the square grid; roads: the road segments between junctions (needs ROADS; layer road_hotspots).</source>
        <translation>squares：方格网；roads：路口之间的路段（需要 ROADS；图层 road_hotspots）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="73"/>
        <source>Road centrelines, for the road segments.</source>
        <translation>道路中心线，用于划分路段。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="76"/>
        <source>An incident counts for the nearest road segment within this distance.</source>
        <translation>警情计入此距离内最近的路段。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="80"/>
        <source>Receives the layers hotspots (or road_hotspots) and near_repeat.</source>
        <translation>写入图层 hotspots（或 road_hotspots）和 near_repeat。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="45"/>
        <source>Square size (m)</source>
        <translation>方格边长（米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="53"/>
        <source>Permutations</source>
        <translation>置换次数</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="56"/>
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="59"/>
        <source>Near-repeat distance band (m)</source>
        <translation>近重复距离带（米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="63"/>
        <source>Near-repeat time band (days)</source>
        <translation>近重复时间带（天）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="66"/>
        <source>Number of bands</source>
        <translation>分带数</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="69"/>
        <source>Units</source>
        <translation>分析单元</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/hotspots.py" line="76"/>
        <source>Snap to roads within (m)</source>
        <translation>吸附到道路的距离（米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/incidentstats.py" line="22"/>
        <source>Incident statistics per cell and police office</source>
        <translation>按网格和派出所统计警情</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/incidentstats.py" line="23"/>
        <source>Counts incidents per grid cell and per police office in the current and previous periods, with change % ((current − previous) / previous × 100, empty for a zero baseline), a small-count flag (baseline under 10), rank and counts by category. A point on an edge shared by two cells goes to the lower cell_id.</source>
        <translation>统计本期和上期各网格、各派出所的警情数，并给出变化率（(本期 − 上期) / 上期 × 100，上期为 0 时留空）、小基数标记（上期少于 10）、排名和分类计数。位于两个网格共用边上的点计入 cell_id 较小的网格。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/incidentstats.py" line="31"/>
        <source>Polygon layer of grid cells with a unique cell_id field; police_office optional.</source>
        <translation>网格面图层，需有唯一的 cell_id 字段；police_office 可选。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/incidentstats.py" line="34"/>
        <source>Incident points with occurred_at (date or date-time), incident_id and category.</source>
        <translation>警情点，需有 occurred_at（日期或日期时间）、incident_id 和 category。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/incidentstats.py" line="46"/>
        <source>Receives the layers cell_incidents and office_stats.</source>
        <translation>接收图层 cell_incidents 和 office_stats。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="28"/>
        <source>A closed loop along the roads of one cell, from the start (the police office; default: the road point nearest the cell&apos;s centroid). With ALL_ROADS: the shortest loop over every road of the cell (Chinese postman). Otherwise: a loop of at most MAX_LENGTH metres past the cell&apos;s worst blind spots (by area) and hot squares (hot_99 ×3, hot_95 ×2, hot_90 ×1 their area), chosen by a prize-per-metre insertion heuristic with 2-opt. Writes patrol (seq, length_m, cumulative_m), patrol_summary (cell_id, length_m, walk_minutes, spots_visited), patrol_spots and a GPX track for a phone.</source>
        <translation>沿一个网格内的道路、从起点（警务室；默认：离网格中心最近的道路点）出发并回到起点的闭合路线。选择 ALL_ROADS：走遍网格每条道路的最短路线（中国邮递员问题）。否则：不超过 MAX_LENGTH 米、经过网格中最严重的盲区（按面积）和热点方格（hot_99 ×3、hot_95 ×2、hot_90 ×1 乘以面积）的路线，用“每米收益”插入启发式加 2-opt 选出。写入 patrol（seq、length_m、cumulative_m）、patrol_summary（cell_id、length_m、walk_minutes、spots_visited）、patrol_spots，以及供手机使用的 GPX 轨迹。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="44"/>
        <source>Road centrelines; the loop runs only on the roads inside the cell or along its edges.</source>
        <translation>道路中心线；路线只走网格内或网格边界上的道路。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="47"/>
        <source>The cell_id of the cell to patrol.</source>
        <translation>要巡逻的网格的 cell_id。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="49"/>
        <source>Where the loop begins and ends; default: the road point nearest the cell&apos;s centroid.</source>
        <translation>路线的起点和终点；默认：离网格中心最近的道路点。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="52"/>
        <source>Cover every road of the cell instead of a loop within a maximum length.</source>
        <translation>走遍网格的每条道路，而不是限定最大长度的路线。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="54"/>
        <source>Length budget of the loop when not walking every road.</source>
        <translation>不走遍所有道路时路线的长度上限。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="58"/>
        <source>The blind_spots layer of an audit (cell_id, blind_id).</source>
        <translation>覆盖分析的 blind_spots 图层（cell_id、blind_id）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="61"/>
        <source>The hotspots layer (class field) of the hot-spot analysis.</source>
        <translation>热点分析的 hotspots 图层（class 字段）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="64"/>
        <source>For walk_minutes.</source>
        <translation>用于计算 walk_minutes。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="68"/>
        <source>Receives the layers patrol, patrol_summary and patrol_spots.</source>
        <translation>写入图层 patrol、patrol_summary 和 patrol_spots。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="71"/>
        <source>The loop as a GPX track (WGS84) for a phone; empty: beside the GeoPackage.</source>
        <translation>路线的 GPX 轨迹（WGS84），供手机使用；留空：保存在 GeoPackage 旁边。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="47"/>
        <source>Cell (cell_id)</source>
        <translation>网格（cell_id）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="49"/>
        <source>Start point</source>
        <translation>起点</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="52"/>
        <source>Walk every road</source>
        <translation>走遍每条道路</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="54"/>
        <source>Maximum length (m)</source>
        <translation>最大长度（米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="64"/>
        <source>Walking speed (km/h)</source>
        <translation>步行速度（公里/小时）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="71"/>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="76"/>
        <source>GPX track</source>
        <translation>GPX 轨迹</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="116"/>
        <source>No GPX: the layers have no CRS.</source>
        <translation>未生成 GPX：图层没有坐标参考系。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/patrol.py" line="84"/>
        <source>The patrol loop needs the Python package networkx (2.6 or later): python -m pip install networkx</source>
        <translation>巡逻路线需要 Python 包 networkx（2.6 或更高版本）：python -m pip install networkx</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="27"/>
        <source>Site new cameras</source>
        <translation>新摄像头选址</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="28"/>
        <source>Chooses COUNT new camera sites that add the most watch area to the existing cameras, which stay as they are. Candidates are the given points (at their exact positions; candidate_id, else the row number) or points along the roads every SPACING metres and at junctions. A camera with a field of view under 360° takes the best of a set of headings (every 45°, finer for narrow cameras). The choice is greedy with lazy evaluation, which is within 1 − 1/e (63 %) of the best possible added coverage (one half with headings to choose). Writes the layers sites (rank, candidate_id, cell_id, x, y, heading_deg, fov_deg, range_m, gain_m2, cumulative_gain_m2, blind_share) and site_gain (the cumulative-gain table).</source>
        <translation>在现有摄像头（保持不变）之外选出 COUNT 个新点位，使新增的监控面积最大。候选点为给定的点（按原位置；用 candidate_id，否则用行号），或沿道路每隔 SPACING 米以及路口处生成的点。视场角小于 360° 的摄像头从一组朝向中取最优（每 45°，窄视场更密）。选择采用惰性求值的贪心算法，新增覆盖至少达到最优值的 1 − 1/e（63 %）（需要选择朝向时为一半）。写入图层 sites（rank、candidate_id、cell_id、x、y、heading_deg、fov_deg、range_m、gain_m2、cumulative_gain_m2、blind_share）和 site_gain（累计增益表）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="46"/>
        <source>The cameras already there (camera_id, kind; optional status, range_m, heading_deg, fov_deg). They are never moved or counted as new.</source>
        <translation>已有的摄像头（camera_id、kind；可选 status、range_m、heading_deg、fov_deg）。它们不会被移动，也不计为新增。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="49"/>
        <source>Poles, walls or junctions a planner proposes; optional candidate_id field.</source>
        <translation>规划人员提出的杆件、墙面或路口；可选 candidate_id 字段。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="52"/>
        <source>Without candidates: candidate sites along these roads and at their junctions. Also needed for the roads weight.</source>
        <translation>没有候选点时：沿这些道路及其路口生成候选点。按道路加权时也需要。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="56"/>
        <source>Distance between generated candidate sites along a road.</source>
        <translation>沿道路生成的候选点之间的距离。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="60"/>
        <source>How many sites to choose, in order of their added coverage.</source>
        <translation>要选择的点位数，按新增覆盖排序。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="63"/>
        <source>Sets the default range (public2: 60 m).</source>
        <translation>决定默认监控距离（public2：60 米）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="66"/>
        <source>Range of a new camera; empty: the default of its kind.</source>
        <translation>新摄像头的监控距离；留空：该类型的默认值。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="70"/>
        <source>360 for an omnidirectional camera.</source>
        <translation>全向摄像头填 360。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="74"/>
        <source>area: square metres; roads: metres of road; incidents: incidents of the current period in the blind places.</source>
        <translation>area：平方米；roads：道路米数；incidents：盲区内的本期警情数。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="78"/>
        <source>Building footprints: views stop at walls and buildings are not watched.</source>
        <translation>建筑轮廓：视线止于墙体，建筑内部不计入监控范围。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="81"/>
        <source>Incident points with occurred_at, for the incidents weight.</source>
        <translation>带 occurred_at 的警情点，用于按警情加权。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="88"/>
        <source>Comma-separated cell_id values: only their blind area counts. Empty: all cells.</source>
        <translation>逗号分隔的 cell_id：只计这些网格的盲区。留空：全部网格。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="91"/>
        <source>Also count places that become seen by a second camera.</source>
        <translation>同时计入被第二个摄像头覆盖（形成备份）的区域。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="93"/>
        <source>Receives the layers sites and site_gain.</source>
        <translation>写入图层 sites 和 site_gain。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="46"/>
        <source>Existing cameras</source>
        <translation>现有摄像头</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="49"/>
        <source>Candidate sites</source>
        <translation>候选点位</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="56"/>
        <source>Spacing along roads (m)</source>
        <translation>沿道路间距（米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="60"/>
        <source>Number of new cameras</source>
        <translation>新增摄像头数</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="63"/>
        <source>Kind of the new cameras</source>
        <translation>新摄像头类型</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="66"/>
        <source>Range (m)</source>
        <translation>监控距离（米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="70"/>
        <source>Field of view (degrees)</source>
        <translation>视场角（度）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="74"/>
        <source>What a newly seen place is worth</source>
        <translation>新覆盖区域的权重</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="88"/>
        <source>Only these cells (cell_id, …)</source>
        <translation>仅限这些网格（cell_id，…）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/sitecameras.py" line="91"/>
        <source>Count backup coverage</source>
        <translation>计入备份覆盖</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="22"/>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="26"/>
        <source>Validate grid cells</source>
        <translation>检查网格</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="27"/>
        <source>Checks a cells layer (hand-drawn or built) and writes one feature per problem to the layer problems of a GeoPackage: overlap (two cells share area), gap (area inside the boundary no cell covers), sliver (a cell or part of one thinner than Polsby–Popper 0.05 or smaller than 10 m²), crosses_road (a cell edge cuts a road away from any junction), duplicate_id, missing_id and invalid_geometry. Fields: problem, cell_id (the cell, or &apos;a,b&apos; for the cells involved), area_m2, detail. With Repair, cell edges within the tolerance of a road are snapped onto it, gaps are closed and overlaps removed inside the boundary: the repaired cells go to the layer cells, and what changed (snapped, overlap_removed, gap_closed) to the problems layer before the problems left.</source>
        <translation>检查网格图层（手绘或生成的），每个问题写成 GeoPackage 中 problems 图层的一个要素：overlap（两个网格有重叠）、gap（边界内没有网格覆盖的区域）、sliver（网格或其一部分的 Polsby–Popper 紧凑度低于 0.05，或面积小于 10 平方米）、crosses_road（网格边界在路口之外穿过道路）、duplicate_id、missing_id 和 invalid_geometry。字段：problem、cell_id（该网格，或相关网格“a,b”）、area_m2、detail。选择修复时，距道路在容差以内的网格边界被吸附到道路上，边界内的空隙被填补、重叠被去除：修复后的网格写入图层 cells，所做的修改（snapped、overlap_removed、gap_closed）写在 problems 图层中剩余问题之前。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="42"/>
        <source>Polygon layer of grid cells with a cell_id field.</source>
        <translation>带 cell_id 字段的网格面图层。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="45"/>
        <source>Road centrelines: enables the check for cell edges cutting across roads.</source>
        <translation>道路中心线：用于检查网格边界是否穿过道路。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="48"/>
        <source>The area the cells should cover. Default: the cells&apos; outer outline, so only holes between cells count as gaps.</source>
        <translation>网格应覆盖的区域。默认：网格的外轮廓，因此只有网格之间的空洞算作缺口。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="45"/>
        <source>Receives the layer problems (empty when the cells are clean).</source>
        <translation>接收图层 problems（网格无问题时为空）。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="48"/>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="52"/>
        <source>Snap cell edges near roads onto them, close gaps and remove overlaps; writes the repaired cells.</source>
        <translation>将靠近道路的网格边界吸附到道路上，填补空隙并去除重叠；写出修复后的网格。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="60"/>
        <source>Cell edges within this distance of a road are snapped onto it; edges farther away stay as drawn.</source>
        <translation>距道路在此距离以内的网格边界被吸附到道路上；更远的边界保持原样。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="62"/>
        <source>Receives the layer problems (empty when the cells are clean) and, with Repair, the layer cells.</source>
        <translation>接收图层 problems（网格没有问题时为空），选择修复时还接收图层 cells。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="57"/>
        <source>Repair tolerance (m)</source>
        <translation>修复容差（米）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="53"/>
        <source>Repair the cells</source>
        <translation>修复网格</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="66"/>
        <source>Problems</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="49"/>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="67"/>
        <source>Repaired cells</source>
        <translation>修复后的网格</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/processing/validatecells.py" line="68"/>
        <source>Number of problems</source>
        <translation>问题数</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="235"/>
        <source>Repair onto roads</source>
        <translation>修复到道路上</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="236"/>
        <source>Validate also snaps cell edges near roads onto them, closes gaps and removes overlaps, and loads the repaired cells.</source>
        <translation>检查时同时把靠近道路的网格边吸附到道路上、填补空隙并去除重叠，然后加载修复后的网格。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="244"/>
        <source>Cell edges within this distance of a road are snapped onto it.</source>
        <translation>距道路在此距离以内的网格边会被吸附到道路上。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="660"/>
        <source>Grid cells (repaired)</source>
        <translation>网格（已修复）</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="663"/>
        <source>{0} cells repaired (changes are in the problems). {1}</source>
        <translation>已修复 {0} 个网格（修改记录在问题图层中）。{1}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="339"/>
        <source>4. New camera sites</source>
        <translation>4. 新摄像头选址</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="344"/>
        <source>How many new cameras to place; the existing cameras stay where they are.</source>
        <translation>要新增的摄像头数量；现有摄像头保持不动。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="346"/>
        <source>New cameras</source>
        <translation>新增摄像头</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="351"/>
        <source>What a newly seen place is worth: square metres, metres of road or incidents of the current period.</source>
        <translation>新看到的地方按什么计算：平方米、道路米数或本期警情数。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="353"/>
        <source>Worth</source>
        <translation>计算依据</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="358"/>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="359"/>
        <source>Range of a new camera; default: 60 m.</source>
        <translation>新摄像头的视距；默认：60 米。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="365"/>
        <source>Field of view; 360 for an omnidirectional camera.</source>
        <translation>视场角；全景摄像头为 360。</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="765"/>
        <source>{0} new camera sites; they see {1:,.0f} m² more: {2}</source>
        <translation>{0} 个新摄像头点位；多看到 {1:,.0f} m²：{2}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/dock.py" line="762"/>
        <source>New camera sites: {0}</source>
        <translation>新摄像头点位：{0}</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="47"/>
        <source>Watch points</source>
        <translation>关注点</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="73"/>
        <source>Seen by a camera</source>
        <translation>有摄像头看到</translation>
    </message>
    <message>
        <location filename="../../lever_grid/qgis_plugin/gui/styling.py" line="73"/>
        <source>Seen by no camera</source>
        <translation>无摄像头看到</translation>
    </message>
</context>
</TS>
