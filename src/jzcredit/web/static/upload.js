/* jzcredit — the admin upload page: upload progress (XHR), then the ingest's progress (polled), then the
   batch report. Plain JS, no libraries; text goes in with textContent only. */
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var POLL_MS = 400;
  var PHASES = { checking: "正在检查文件…", loading: "正在逐行导入…", evaluating: "正在重新评价受影响的主体…",
                 done: "导入完成。", refused: "文件未被接受，没有导入任何内容。", failed: "导入中断。" };

  function setBar(bar, label, percent) {
    var p = Math.max(0, Math.min(100, Math.round(percent)));
    $(bar).value = p;
    $(bar).textContent = p + "%";
    $(label).textContent = p + "%";
  }

  function showError(text) {
    var box = $("upload-error");
    box.textContent = text;
    box.hidden = false;
    $("upload-button").disabled = false;
  }

  function problemText(xhr, running) {
    if (xhr.responseURL && xhr.responseURL.indexOf("/admin/login") >= 0) {
      return running ? "登录已失效；导入仍在后台进行，请重新登录后在“最近的导入批次”中查看结果。"
                     : "登录已失效，请重新登录后再上传（没有导入任何内容）。";
    }
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.detail) { return body.detail; }
    } catch (e) { /* not JSON: fall through */ }
    if (xhr.status === 413) { return "文件过大，请拆分后分批上传。"; }
    return "上传失败（" + (xhr.status || "网络错误") + "），请稍后重试。";
  }

  function count(id, value) { $(id).textContent = String(value); }

  function showReport(job) {
    var r = job.report;
    count("report-batch", r.batch_id);
    count("report-total", r.total);
    count("report-accepted", r.accepted);
    count("report-duplicates", r.duplicates);
    count("report-quarantined", r.quarantined);
    var list = $("report-reasons");
    list.textContent = "";
    (r.reasons || []).forEach(function (reason) {
      var li = document.createElement("li");
      li.textContent = reason.label + "（" + reason.reason + "）：" + reason.count + " 行";
      list.appendChild(li);
    });
    $("report-reasons-title").hidden = !(r.reasons && r.reasons.length);
    if (r.unmapped_columns && r.unmapped_columns.length) {
      $("report-unmapped").textContent = "未映射的列：" + r.unmapped_columns.join("、");
      $("report-unmapped").hidden = false;
    }
    $("report-link").href = job.report_url;
    var fix = $("report-quarantine-link");
    fix.href = job.quarantine_url;
    fix.hidden = !r.quarantined;
    $("batch-report").hidden = false;
    $("upload-button").disabled = false;
  }

  function poll(url) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      var job = null;
      try { job = xhr.status === 200 ? JSON.parse(xhr.responseText) : null; } catch (e) { job = null; }
      if (!job) { showError(problemText(xhr, true)); return; }
      setBar("process-progress", "process-percent", job.percent);
      $("process-phase").textContent = PHASES[job.phase] || "";
      if (job.phase === "done") { showReport(job); return; }
      if (job.phase === "refused" || job.phase === "failed") { showError(job.message || PHASES[job.phase]); return; }
      window.setTimeout(function () { poll(url); }, POLL_MS);
    };
    xhr.onerror = function () { showError("与服务器的连接中断；导入仍在后台进行，请稍后在“最近的导入批次”中查看。"); };
    xhr.send();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    $("upload-error").hidden = true;
    $("batch-report").hidden = true;
    if (!$("file").files.length) { showError("请选择要上传的文件。"); return; }
    if (!$("source").value.trim()) { showError("请填写数据来源（如 济南市市场监督管理局）。"); return; }
    $("upload-button").disabled = true;
    $("upload-status").hidden = false;
    setBar("upload-progress", "upload-percent", 0);
    setBar("process-progress", "process-percent", 0);
    $("process-phase").textContent = "";
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { setBar("upload-progress", "upload-percent", e.loaded * 100 / e.total); }
    };
    xhr.onload = function () {
      if (xhr.status === 202) {
        setBar("upload-progress", "upload-percent", 100);
        poll(JSON.parse(xhr.responseText).progress_url);
      } else {
        showError(problemText(xhr, false));
      }
    };
    xhr.onerror = function () { showError("上传中断（网络错误），没有导入任何内容，请重试。"); };
    xhr.send(new FormData(form));
  });

  // a profile belongs to one kind: choosing it chooses its kind
  $("profile").addEventListener("change", function () {
    var chosen = this.options[this.selectedIndex];
    if (chosen && chosen.dataset.kind) { $("kind").value = chosen.dataset.kind; }
  });
}());
