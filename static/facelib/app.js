/* FaceLib dashboard behaviour: small plain JS, no framework, no network access beyond FaceLib itself. */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function csrfToken() {
    var input = $("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function readAsDataURL(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }

  /* Project switcher: switch as soon as another project is chosen. */
  $all("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  /* Buttons that ask first. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  /* Copy buttons. */
  $all("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var text = source ? source.textContent : "";
      var done = function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1400);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
      } else {
        var area = document.createElement("textarea");
        area.value = text; document.body.appendChild(area); area.select();
        try { document.execCommand("copy"); } catch (e) { /* nothing to do */ }
        document.body.removeChild(area); done();
      }
    });
  });

  /* Range inputs show their value. */
  $all("input[type=range][data-show]").forEach(function (range) {
    var output = document.getElementById(range.getAttribute("data-show"));
    var update = function () { if (output) output.textContent = Number(range.value).toFixed(2); };
    range.addEventListener("input", update); update();
  });

  /* Schema editor: add and remove (name, type) rows. */
  var schema = $("[data-schema-editor]");
  if (schema) {
    var rows = $("[data-schema-rows]", schema);
    var template = $("template", schema);
    $("[data-add-row]", schema).addEventListener("click", function () {
      rows.appendChild(template.content.cloneNode(true));
      var inputs = $all("input", rows); inputs[inputs.length - 1].focus();
    });
    rows.addEventListener("click", function (event) {
      if (event.target.matches("[data-remove-row]")) event.target.closest(".schema-row").remove();
    });
  }

  /* Health on the overview: the same /healthz the monitors use, fetched after the page is shown. */
  var health = $("[data-health]");
  if (health) {
    fetch("/healthz", { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); })
      .then(function (body) {
        $all("[data-check]", health).forEach(function (row) {
          var name = row.getAttribute("data-check");
          /* Staff get each check's details; other callers only the list of what is down. */
          var check = body.checks ? body.checks[name] : { ok: (body.down || []).indexOf(name) < 0, detail: "" };
          if (!check) return;
          $(".dot", row).className = "dot " + (check.ok ? "ok" : "bad");
          $("[data-state]", row).textContent = check.ok ? "Up" : "Down";
          $("[data-state]", row).className = "badge " + (check.ok ? "ok" : "bad");
          $(".detail", row).textContent = check.detail || "";
        });
      }).catch(function () {
        $all("[data-state]", health).forEach(function (el) { el.textContent = "Unknown"; el.className = "badge warn"; });
      });
  }

  /* ---- progress of background tasks ------------------------------------------------------------------------- */
  function pollTasks(taskIds, onUpdate) {
    var url = "/tasks/progress.json?items=1&ids=" + encodeURIComponent(taskIds.join(","));
    var stop = false;
    function tick() {
      fetch(url, { headers: { "X-Requested-With": "fetch" }, cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          onUpdate(data);
          if (!data.finished && !stop) setTimeout(tick, 600);
        })
        .catch(function () { if (!stop) setTimeout(tick, 2000); });
    }
    tick();
    return function () { stop = true; };
  }

  function setBar(root, done, total, finished) {
    var percent = total ? Math.floor((100 * done) / total) : 0;
    var bar = $("[data-bar]", root);
    if (bar) { bar.style.width = percent + "%"; bar.parentNode.classList.toggle("done", !!finished); }
    var label = $("[data-percent]", root);
    if (label) label.textContent = percent + " %";
    var count = $("[data-count]", root);
    if (count) count.textContent = done + " of " + total + " photos processed";
    root.setAttribute("data-progress", String(percent));
  }

  /* A task page that is still running follows its progress, then reloads once for the final table. */
  var live = $("[data-live-task]");
  if (live) {
    pollTasks([live.getAttribute("data-live-task")], function (data) {
      setBar(live, data.done, data.total, data.finished);
      if (data.finished) window.location.reload();
    });
  }

  /* ---- enrolment uploader: drag and drop or pick, upload in chunks, follow the tasks --------------------------- */
  var uploader = $("[data-uploader]");
  if (uploader) {
    var form = uploader.closest("form");
    var input = $("input[type=file]", uploader);
    var zone = $(".dropzone", uploader);
    var chosen = $("[data-chosen]", uploader);
    var files = [];
    var CHUNK = 20;

    var showChosen = function () {
      chosen.textContent = files.length ? files.length + " photo" + (files.length === 1 ? "" : "s") + " chosen" : "";
    };
    var addFiles = function (list) {
      Array.prototype.forEach.call(list, function (file) { files.push(file); });
      showChosen();
    };
    input.addEventListener("change", function () { files = []; addFiles(input.files); });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) { addFiles(event.dataTransfer.files); });

    var panel = $("[data-progress-panel]");
    var list = $("[data-file-rows]", panel);
    var errorBox = $("[data-upload-error]");

    var showErrors = function (errors) {
      $all(".errorlist.js", form).forEach(function (el) { el.remove(); });
      var general = [];
      Object.keys(errors || {}).forEach(function (name) {
        var field = form.querySelector("[name='" + name + "']");
        var box = field ? field.closest(".field") : null;
        if (box) {
          var ul = document.createElement("ul"); ul.className = "errorlist js";
          ul.innerHTML = errors[name].map(function (m) { return "<li>" + escapeHtml(m) + "</li>"; }).join("");
          box.appendChild(ul); box.classList.add("has-error");
        } else { general = general.concat(errors[name]); }
      });
      errorBox.hidden = !general.length;
      errorBox.textContent = general.join(" ");
    };

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!files.length) { showErrors({ photos: ["Choose or drop at least one photo."] }); return; }
      var submit = $("button[type=submit]", form); submit.disabled = true;
      var chunks = [];
      for (var i = 0; i < files.length; i += CHUNK) chunks.push(files.slice(i, i + CHUNK));
      var taskIds = [];
      var total = files.length;
      panel.hidden = false;
      list.innerHTML = "";
      files.forEach(function (file, index) {
        var row = document.createElement("tr");
        row.setAttribute("data-file", String(index));
        row.innerHTML = "<td>" + escapeHtml(file.name) + "</td><td><span class='badge wait'>Uploading</span></td><td class='muted'></td>";
        list.appendChild(row);
      });
      setBar(panel, 0, total, false);
      var offsets = [];
      var send = function (index) {
        if (index >= chunks.length) return Promise.resolve();
        var data = new FormData(form);
        data.delete("photos");
        chunks[index].forEach(function (file) { data.append("photos", file, file.name); });
        return fetch(form.action || window.location.href, {
          method: "POST", body: data, headers: { "X-Requested-With": "fetch", "X-CSRFToken": csrfToken() },
        }).then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) { var e = new Error("refused"); e.body = body; throw e; }
            offsets.push(index * CHUNK);
            taskIds.push(body.task_id);
            return send(index + 1);
          });
        });
      };
      send(0).then(function () {
        showErrors({});
        pollTasks(taskIds, function (data) {
          setBar(panel, data.done, total, data.finished);
          var counts = {};
          data.tasks.forEach(function (task) {
            var offset = offsets[taskIds.indexOf(task.task_id)] || 0;
            (task.items || []).forEach(function (item) {
              var row = list.querySelector("[data-file='" + (offset + item.position) + "']");
              counts[item.label] = (counts[item.label] || 0) + 1;
              if (!row || row.getAttribute("data-state") === "final") return;
              row.setAttribute("data-state", "final");
              row.setAttribute("data-outcome", item.code || item.tone);
              row.children[1].innerHTML = "<span class='badge " + item.tone + "'>" + escapeHtml(item.label) + "</span>";
              row.children[2].textContent = item.faces.length ? item.faces.join(", ") : (item.detail || "");
            });
          });
          $all("tr[data-file]:not([data-state])", list).forEach(function (row) {
            row.children[1].innerHTML = "<span class='badge busy'>Queued</span>";
          });
          var summary = $("[data-summary]", panel);
          summary.innerHTML = Object.keys(counts).sort().map(function (label) {
            return "<span class='badge'>" + escapeHtml(label) + ": " + counts[label] + "</span>";
          }).join(" ");
          if (data.finished) {
            submit.disabled = false;
            var links = $("[data-done-links]", panel); if (links) links.hidden = false;
            var state = $("[data-state-label]", panel); if (state) state.textContent = "Finished";
          }
        });
      }).catch(function (error) {
        submit.disabled = false;
        panel.hidden = !taskIds.length;
        showErrors(error.body ? error.body.errors : { __all__: ["The upload failed: " + error.message] });
      });
    });
  }

  /* ---- photo forms (search, compare, detect): results inserted in place, boxes drawn over the chosen photo ----- */
  function drawFaces(wrap, faces, options) {
    var img = $("img", wrap);
    $all(".box, .pt, .mpt", wrap).forEach(function (el) { el.remove(); });
    var width = img.naturalWidth, height = img.naturalHeight;
    if (!width || !height) return;
    faces.forEach(function (face, index) {
      var b = face.box;
      var box = document.createElement("div");
      box.className = "box";
      box.style.left = (100 * b[0] / width) + "%";
      box.style.top = (100 * b[1] / height) + "%";
      box.style.width = (100 * b[2] / width) + "%";
      box.style.height = (100 * b[3] / height) + "%";
      if (options.labels) {
        var tag = document.createElement("span"); tag.className = "tag";
        /* the detector's confidence that this is a face, as a percentage: not to be read as a similarity */
        tag.textContent = "#" + (index + 1) + " · face " + Math.round(100 * Number(face.score)) + " %";
        tag.title = "detector confidence";
        box.appendChild(tag);
      }
      wrap.appendChild(box);
      if (options.landmarks) {
        (face.landmarks || []).forEach(function (p) {
          var dot = document.createElement("div"); dot.className = "pt";
          dot.style.left = (100 * p[0] / width) + "%"; dot.style.top = (100 * p[1] / height) + "%";
          wrap.appendChild(dot);
        });
      }
      if (options.mesh && face.analysis && face.analysis.mesh) {  /* the analysis's 478 points, shown on demand */
        face.analysis.mesh.forEach(function (p) {
          var dot = document.createElement("div"); dot.className = "mpt";
          dot.style.left = (100 * p[0] / width) + "%"; dot.style.top = (100 * p[1] / height) + "%";
          wrap.appendChild(dot);
        });
      }
    });
    wrap.setAttribute("data-drawn", String(faces.length));
  }

  function showPhoto(slot, dataUrl) {
    var faces = JSON.parse(slot.getAttribute("data-faces") || '{"faces": []}').faces;
    var options = {
      labels: slot.hasAttribute("data-labels"),
      landmarks: slot.hasAttribute("data-landmarks"),
      mesh: slot.hasAttribute("data-mesh"),
    };
    if (slot.hasAttribute("data-crop")) {  // the query face of a search, cut from the photo on a canvas
      var image = new Image();
      image.onload = function () {
        var b = faces[0].box, margin = 0.25;
        var x = Math.max(0, b[0] - b[2] * margin), y = Math.max(0, b[1] - b[3] * margin);
        var w = Math.min(image.naturalWidth - x, b[2] * (1 + 2 * margin));
        var h = Math.min(image.naturalHeight - y, b[3] * (1 + 2 * margin));
        var canvas = document.createElement("canvas");
        canvas.width = 200; canvas.height = 200;
        var side = Math.max(w, h);
        canvas.getContext("2d").drawImage(image, x + (w - side) / 2, y + (h - side) / 2, side, side, 0, 0, 200, 200);
        canvas.className = "thumb";
        slot.innerHTML = ""; slot.appendChild(canvas);
        slot.setAttribute("data-drawn", "1");
      };
      image.src = dataUrl;
      return;
    }
    slot.innerHTML = "";
    var wrap = document.createElement("div"); wrap.className = "photo-wrap";
    var img = document.createElement("img"); img.alt = "uploaded photo";
    wrap.appendChild(img); slot.appendChild(wrap);
    img.onload = function () { drawFaces(wrap, faces, options); };
    img.src = dataUrl;
  }

  /* The Detect page's "dense landmarks" switch: shows or hides the mesh points already drawn. */
  document.addEventListener("change", function (event) {
    var toggle = event.target.closest ? event.target.closest("[data-mesh-toggle]") : null;
    if (!toggle) return;
    var slot = document.querySelector("[data-photo-slot][data-mesh]");
    if (slot) slot.classList.toggle("hide-mesh", !toggle.checked);
  });

  $all("form[data-photo-form]").forEach(function (form) {
    var target = document.getElementById(form.getAttribute("data-photo-form"));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = $("button[type=submit]", form);
      button.disabled = true;
      var label = button.textContent; button.textContent = "Working…";
      var urls = {};
      var reads = $all("input[type=file]", form).map(function (input) {
        return input.files[0] ? readAsDataURL(input.files[0]).then(function (url) { urls[input.name] = url; }) : null;
      });
      Promise.all(reads).then(function () {
        return fetch(form.action || window.location.href, {
          method: "POST", body: new FormData(form), headers: { "X-Fragment": "1", "X-CSRFToken": csrfToken() },
        });
      }).then(function (response) { return response.text(); }).then(function (html) {
        target.innerHTML = html;
        // Errors come back in the fragment's own form-errors block; field errors are moved next to their fields.
        $all(".errorlist.js", form).forEach(function (el) { el.remove(); });
        $all(".field.has-error", form).forEach(function (el) { el.classList.remove("has-error"); });
        $all("[data-field-error]", target).forEach(function (error) {
          var field = form.querySelector("[name='" + error.getAttribute("data-field-error") + "']");
          var box = field ? field.closest(".field") : null;
          if (box) { error.classList.add("js"); box.appendChild(error); box.classList.add("has-error"); }
        });
        $all("[data-photo-slot]", target).forEach(function (slot) {
          var url = urls[slot.getAttribute("data-photo-slot")];
          if (url) showPhoto(slot, url);
        });
      }).catch(function (error) {
        target.innerHTML = "<div class='form-errors'>The request failed: " + escapeHtml(error.message) + "</div>";
      }).then(function () { button.disabled = false; button.textContent = label; });
    });
  });
})();
