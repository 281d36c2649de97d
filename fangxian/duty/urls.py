from django.urls import path

from . import views

app_name = "duty"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("people/", views.people, name="people"),
    path("people/<id:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("posts/", views.posts, name="posts"),
    path("rosters/<id:pk>/", views.roster_detail, name="roster"),
    path("rosters/<id:pk>/solve/", views.roster_action, {"action": "solve"}, name="solve"),
    path("rosters/<id:pk>/publish/", views.roster_action, {"action": "publish"}, name="publish"),
    path("rosters/<id:pk>/print.pdf", views.roster_pdf, name="roster_pdf"),
    path("rosters/<id:pk>/export.xlsx", views.roster_xlsx, name="roster_xlsx"),
    path("shifts/<id:pk>/", views.shift_edit, name="shift_edit"),
    path("mine/", views.my_shifts, name="mine"),
    path("mine/<id:pk>/check-in/", views.check_in_out, {"direction": "in"}, name="check_in"),
    path("mine/<id:pk>/check-out/", views.check_in_out, {"direction": "out"}, name="check_out"),
    path("mine/<id:pk>/swap/", views.ask_swap, name="ask_swap"),
    path("swaps/<id:pk>/", views.decide_swap, name="decide_swap"),
    path("projects/", views.projects, name="projects"),
    path("projects/<id:pk>/sign-up/", views.sign_up, name="sign_up"),
    path("signups/<id:pk>/", views.decide_signup, name="decide_signup"),
]
