(function(){
var box=document.getElementById("filters");if(!box)return;box.hidden=false;
var q=document.getElementById("q"),checks=box.querySelectorAll("input[type=checkbox]"),count=document.getElementById("shown");
function apply(){
 var text=q.value.trim().toLowerCase(),on={},n=0;
 checks.forEach(function(c){on[c.value]=c.checked});
 document.querySelectorAll("tr[data-s]").forEach(function(r){
  var show=on[r.getAttribute("data-s")]!==false&&(!text||r.textContent.toLowerCase().indexOf(text)>=0);
  r.classList.toggle("hide",!show);if(show)n++});
 document.querySelectorAll("article[data-c]").forEach(function(a){
  a.classList.toggle("hide",!a.querySelector("tr[data-s]:not(.hide)"))});
 count.textContent=n+" setting(s) shown";
}
q.addEventListener("input",apply);checks.forEach(function(c){c.addEventListener("change",apply)});
apply();
})();
